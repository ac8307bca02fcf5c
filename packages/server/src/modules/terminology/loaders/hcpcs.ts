import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { badFieldError, emptyFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readLines, readSplitRows, splitHeader } from './read-table.ts';
import { baseName, openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

export const HCPCS_URL = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** `HCPC2025_OCT_ANWEB.txt` or `hcpcs-level2-2025-oct.tsv` → `2025-10`, the quarter's first month. */
export function hcpcsVersionOf(name: string): string | undefined {
  const match = /(20\d\d)[_\s-]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)/i.exec(name);
  if (!match?.[1] || !match[2]) {
    return /(?:^|\D)(20\d\d)(?!\d)/.exec(name)?.[1];
  }
  return `${match[1]}-${String(MONTHS.indexOf(match[2].toUpperCase()) + 1).padStart(2, '0')}`;
}

/** One code of the CMS file, its continuation records joined. */
type HcpcsRecord = ConceptInput & { properties: Record<string, unknown>; long: string[] };

/**
 * Parses the CMS quarterly "Alpha-Numeric HCPCS" file. Fixed width (1-based columns): code 1-5,
 * sequence 6-10, record id 11 (3: procedure, 7: modifier, 4 and 8: their continuation lines, which
 * carry more of the long description), long description 12-91, short description 92-119, code added
 * 269-276, action effective 277-284, termination 285-292, action code 293. Lines before the first
 * record (a title) are skipped.
 */
async function* readFixedWidth(
  file: SourceFile,
  progress: ProgressReporter,
  releaseDay: string,
): AsyncGenerator<ConceptInput> {
  let current: HcpcsRecord | undefined;
  const finish = (record: HcpcsRecord): ConceptInput => {
    const { long, ...concept } = record;
    return { ...concept, display: long.join(' ') };
  };
  for await (const { number, text } of readLines(file, progress.reading(file))) {
    if (text.trim() === '') {
      continue;
    }
    const recordId = text.charAt(10);
    const sequence = text.slice(5, 10);
    if (!current && !(/^\d{5}$/.test(sequence) && '3478'.includes(recordId))) {
      continue;
    }
    const code = text.slice(0, 5).trim();
    if (!/^[A-Z0-9]{2,5}$/.test(code)) {
      throw badFieldError(file.name, number, 'HCPC', code, 'a 5-character code or a 2-character modifier');
    }
    if (!/^\d{5}$/.test(sequence)) {
      throw badFieldError(file.name, number, 'sequence number', sequence, 'five digits');
    }
    const long = text.slice(11, 91).trim();
    if (recordId === '4' || recordId === '8') {
      if (current?.code !== code) {
        throw new TerminologyLoadError(
          { file: file.name, line: number, field: 'HCPC' },
          `continuation record of ${code} does not follow a record of ${code}`,
        );
      }
      current.long.push(long);
      continue;
    }
    if (recordId !== '3' && recordId !== '7') {
      throw badFieldError(file.name, number, 'record identification code', recordId, '3, 4, 7 or 8');
    }
    if (long === '') {
      throw emptyFieldError(file.name, number, 'long description');
    }
    if (current) {
      yield finish(current);
    }
    const short = text.slice(91, 119).trim();
    const terminated = text.slice(284, 292).trim();
    current = {
      code,
      active: terminated === '' || terminated > releaseDay,
      properties: {
        kind: recordId === '7' ? 'modifier' : 'procedure',
        ...dateProperty('addDate', text.slice(268, 276)),
        ...dateProperty('actionEffectiveDate', text.slice(276, 284)),
        ...dateProperty('terminationDate', terminated),
        ...(text.charAt(292).trim() ? { actionCode: text.charAt(292) } : {}),
      },
      designations: short ? [{ language: 'en', value: short }] : [],
      long: [long],
    };
  }
  if (current) {
    yield finish(current);
  }
}

function dateProperty(name: string, value: string): Record<string, string> {
  const date = value.trim();
  return /^\d{8}$/.test(date) ? { [name]: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` } : {};
}

/** The shipped TSV: `hcpcs_code, kind (procedure|modifier), long_description, short_description`. */
async function* readTsv(file: SourceFile, progress: ProgressReporter): AsyncGenerator<ConceptInput> {
  const { header, rows } = await splitHeader(readSplitRows(file, '\t', progress.reading(file)));
  const columns = new Columns(file.name, header?.cells ?? []);
  for await (const row of rows) {
    const short = columns.optional(row, 'short_description');
    yield {
      code: columns.required(row, 'hcpcs_code'),
      display: columns.required(row, 'long_description'),
      properties: { kind: columns.optional(row, 'kind') || 'procedure' },
      designations: short ? [{ language: 'en', value: short }] : [],
    };
  }
}

/**
 * Loads HCPCS Level II: the CMS quarterly zip (its `HCPC20XX_<quarter>_ANWEB*.txt` fixed-width
 * file), that file alone, or a TSV with `hcpcs_code, kind, long_description, short_description`.
 * A code whose termination date has passed by the release's first day is inactive. The version is
 * the year and quarter month in the file name (`2025-10`).
 */
export async function loadHcpcs(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const file =
      source.files.find((candidate) => /^HCPC\d{4}.*ANWEB.*\.txt$/i.test(baseName(candidate))) ??
      source.files.find((candidate) => /\.tsv(\.gz)?$/i.test(candidate.name)) ??
      (source.files.length === 1 ? source.files[0] : undefined);
    if (!file) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no HCPC20XX_*_ANWEB.txt or .tsv file found');
    }
    const version = requireVersion(
      options.version,
      hcpcsVersionOf(baseName(file)) ?? hcpcsVersionOf(path.basename(target)),
      file.name,
      'no year and quarter in a name like HCPC2025_OCT_ANWEB.txt',
    );
    const progress = new ProgressReporter(options.onProgress);
    const releaseDay = /^\d{4}-\d{2}$/.test(version) ? `${version.replace('-', '')}01` : '99999999';
    const concepts = /\.tsv(\.gz)?$/i.test(file.name)
      ? readTsv(file, progress)
      : readFixedWidth(file, progress, releaseDay);
    const release = await writeRelease(
      tx,
      {
        url: HCPCS_URL,
        version,
        name: 'HCPCS',
        title: 'Healthcare Common Procedure Coding System (HCPCS) Level II',
        publisher: 'Centers for Medicare & Medicaid Services',
      },
      concepts,
      { ...options, progress },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
