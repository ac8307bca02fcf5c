import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { badFieldError, emptyFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readSplitRows, splitHeader, type Row } from './read-table.ts';
import { openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

export const CVX_URL = 'http://hl7.org/fhir/sid/cvx';

/**
 * CDC statuses: `Inactive` vaccines are no longer given but their codes stay valid for recording
 * history, so only codes that were `Never Active` are inactive codes.
 */
const isActiveStatus = (status: string) => status.toLowerCase() !== 'never active';

function cvxCode(file: string, row: Row, value: string): string {
  if (!/^\d{1,3}$/.test(value)) {
    throw badFieldError(file, row.line, 'cvx_code', value, 'one to three digits');
  }
  return value;
}

function concept(
  code: string,
  short: string,
  full: string,
  status: string,
  extra: Partial<ConceptInput>,
): ConceptInput {
  const display = short || full;
  return {
    code,
    display,
    active: isActiveStatus(status),
    designations: full && full !== display ? [{ language: 'en', value: full }] : [],
    ...extra,
    properties: { status, ...extra.properties },
  };
}

/** Our TSV: `cvx_code, short_description, full_vaccine_name, status, nonvaccine, notes, vaccine_group_cvx`. */
async function readTsv(file: SourceFile, progress: ProgressReporter): Promise<ConceptInput[]> {
  const { header, rows } = await splitHeader(readSplitRows(file, '\t', progress.reading(file)));
  const columns = new Columns(file.name, header?.cells ?? []);
  const concepts: ConceptInput[] = [];
  for await (const row of rows) {
    const code = cvxCode(file.name, row, columns.required(row, 'cvx_code'));
    const short = columns.optional(row, 'short_description');
    const full = columns.optional(row, 'full_vaccine_name');
    if (!short && !full) {
      throw emptyFieldError(file.name, row.line, 'full_vaccine_name');
    }
    const groups = columns
      .optional(row, 'vaccine_group_cvx')
      .split('|')
      .map((group) => group.trim())
      .filter((group) => group !== '' && group !== code);
    concepts.push(
      concept(code, short, full, columns.required(row, 'status'), {
        properties: { nonvaccine: columns.optional(row, 'nonvaccine').toLowerCase() === 'true' },
        // A vaccine's group (e.g. 213 "COVID-19, unspecified" for 208) is its parent.
        parents: groups,
      }),
    );
  }
  return concepts;
}

/**
 * The CDC's `cvx.txt`: no header, `|`-separated and space-padded: code, short description, full
 * vaccine name, note, status, internal id, nonvaccine (True/False), last updated (M/D/YYYY).
 */
async function readCdcText(
  file: SourceFile,
  progress: ProgressReporter,
): Promise<{ concepts: ConceptInput[]; updated: string }> {
  const concepts: ConceptInput[] = [];
  let updated = '';
  for await (const row of readSplitRows(file, '|', progress.reading(file))) {
    const [code = '', short = '', full = '', note = '', status = '', , nonvaccine = '', lastUpdated = ''] =
      row.cells.map((cell) => cell.trim());
    if (row.cells.length < 5) {
      throw new TerminologyLoadError({ file: file.name, line: row.line }, `${row.cells.length} fields, expected 8`);
    }
    if (status === '') {
      throw emptyFieldError(file.name, row.line, 'status');
    }
    const date = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(lastUpdated);
    if (date) {
      const day = `${date[3]}${date[1]?.padStart(2, '0')}${date[2]?.padStart(2, '0')}`;
      updated = day > updated ? day : updated;
    }
    concepts.push(
      concept(cvxCode(file.name, row, code), short, full, status, {
        properties: { nonvaccine: nonvaccine.toLowerCase() === 'true', ...(note ? { note } : {}) },
      }),
    );
  }
  return { concepts, updated };
}

/**
 * Loads CVX: our TSV (with vaccine groups as parents) or the CDC's pipe-delimited `cvx.txt`. The
 * version is the option, else the latest "last updated" date of `cvx.txt` (YYYYMMDD).
 */
export async function loadCvx(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const file = source.files.find((candidate) => /\.(tsv|txt)$/i.test(candidate.name));
    if (!file) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no cvx .tsv or .txt file found');
    }
    const progress = new ProgressReporter(options.onProgress);
    const { concepts, updated } = /\.tsv$/i.test(file.name)
      ? { concepts: await readTsv(file, progress), updated: undefined }
      : await readCdcText(file, progress);
    const version = requireVersion(options.version, updated || undefined, file.name, 'no last-updated dates');
    const release = await writeRelease(
      tx,
      {
        url: CVX_URL,
        version,
        name: 'CVX',
        title: 'CVX: Vaccines Administered',
        publisher: 'Centers for Disease Control and Prevention',
      },
      concepts,
      { ...options, progress },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
