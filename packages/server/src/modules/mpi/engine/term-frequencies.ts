// Term-frequency tables learned from the records being matched: agreeing on "smith" is weaker evidence
// than agreeing on "szczepanski". Only values seen at least twice are stored (the rest share the frequency
// of a value seen once) and the table is capped so a model stays small enough to store per version. The
// counts are taken one record at a time, so a population streamed through training is never held whole.
import { FREQUENCY_FIELDS, frequencyValue } from './model.ts';
import type { FrequencyTable, MatchModel, MatchRecord } from './types.ts';

const MAX_TABLE_SIZE = 20_000;

function buildTable(counts: ReadonlyMap<string, number>, total: number): FrequencyTable {
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

/** Counts the values of the frequency fields record by record. Memory grows with distinct values only. */
export class TermCounter {
  private readonly counts = FREQUENCY_FIELDS.map(() => new Map<string, number>());
  private readonly totals = FREQUENCY_FIELDS.map(() => 0);

  add(record: MatchRecord): void {
    FREQUENCY_FIELDS.forEach((field, index) => {
      const value = frequencyValue(field, record);
      const counts = this.counts[index];
      if (value !== undefined && value !== '' && counts) {
        counts.set(value, (counts.get(value) ?? 0) + 1);
        this.totals[index] = (this.totals[index] ?? 0) + 1;
      }
    });
  }

  tables(): MatchModel['termFrequencies'] {
    const [givenName, familyName, birthDate] = FREQUENCY_FIELDS.map((_, index) =>
      buildTable(this.counts[index] ?? new Map(), this.totals[index] ?? 0),
    );
    const empty = { frequencies: {}, defaultFrequency: 0 };
    return { givenName: givenName ?? empty, familyName: familyName ?? empty, birthDate: birthDate ?? empty };
  }
}

export function buildTermFrequencies(records: readonly MatchRecord[]): MatchModel['termFrequencies'] {
  const counter = new TermCounter();
  for (const record of records) {
    counter.add(record);
  }
  return counter.tables();
}
