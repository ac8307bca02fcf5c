// Term-frequency tables learned from the records being matched: agreeing on "smith" is weaker evidence
// than agreeing on "szczepanski". Only values seen at least twice are stored (the rest share the frequency
// of a value seen once) and the table is capped so a model stays small enough to store per version.
import { FREQUENCY_FIELDS, frequencyValue } from './model.ts';
import type { FrequencyTable, MatchModel, MatchRecord } from './types.ts';

const MAX_TABLE_SIZE = 20_000;

function buildTable(values: Array<string | undefined>): FrequencyTable {
  const counts = new Map<string, number>();
  let total = 0;
  for (const value of values) {
    if (value !== undefined && value !== '') {
      counts.set(value, (counts.get(value) ?? 0) + 1);
      total++;
    }
  }
  if (total === 0) {
    return { frequencies: {}, defaultFrequency: 0 };
  }
  const repeated = [...counts].filter(([, count]) => count > 1).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  const kept = repeated.slice(0, MAX_TABLE_SIZE);
  const frequencies: Record<string, number> = {};
  for (const [value, count] of kept) {
    frequencies[value] = count / total;
  }
  // Values cut from a full table are at most as frequent as the last one kept.
  const lastKept = kept.at(-1);
  const defaultFrequency = repeated.length > kept.length && lastKept ? lastKept[1] / total : 1 / total;
  return { frequencies, defaultFrequency };
}

export function buildTermFrequencies(records: readonly MatchRecord[]): MatchModel['termFrequencies'] {
  const [givenName, familyName, birthDate] = FREQUENCY_FIELDS.map((field) =>
    buildTable(records.map((record) => frequencyValue(field, record))),
  );
  const empty = { frequencies: {}, defaultFrequency: 0 };
  return { givenName: givenName ?? empty, familyName: familyName ?? empty, birthDate: birthDate ?? empty };
}
