import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { badFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readCsvRows, splitHeader } from './read-table.ts';
import { openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

export const CPT_URL = 'http://www.ama-assn.org/go/cpt';

/** CPT loading options: which header names hold the code and the descriptor, when not the usual ones. */
export type CptOptions = LoaderOptions & { codeColumn?: string; displayColumn?: string };

const CODE_COLUMNS = ['code', 'cpt_code', 'cpt code', 'cpt', 'hcpcs'];
const DISPLAY_COLUMNS = [
  'long_descriptor',
  'long descriptor',
  'descriptor',
  'long_description',
  'description',
  'display',
];
const SHORT_COLUMNS = ['short_descriptor', 'short descriptor', 'short_description', 'short description'];

function chooseColumn(columns: Columns, given: string | undefined, defaults: string[], role: string): string {
  const found = given ?? defaults.find((name) => columns.has(name));
  if (!found || !columns.has(found)) {
    throw new TerminologyLoadError(
      { file: columns.file, line: 1, field: given },
      given
        ? `column ${given} is missing`
        : `no ${role} column (looked for ${defaults.join(', ')}); name it with --${role}-column`,
    );
  }
  return found;
}

async function* readCpt(
  file: SourceFile,
  options: CptOptions,
  progress: ProgressReporter,
): AsyncGenerator<ConceptInput> {
  const delimiter = /\.csv(\.gz)?$/i.test(file.name) ? ',' : '\t';
  const { header, rows } = await splitHeader(readCsvRows(file, progress.reading(file), delimiter));
  const columns = new Columns(file.name, header?.cells ?? []);
  const codeColumn = chooseColumn(columns, options.codeColumn, CODE_COLUMNS, 'code');
  const displayColumn = chooseColumn(columns, options.displayColumn, DISPLAY_COLUMNS, 'display');
  const shortColumn = SHORT_COLUMNS.find((name) => columns.has(name) && name !== displayColumn);
  for await (const row of rows) {
    const code = columns.required(row, codeColumn);
    // Category I–III codes are five characters: four digits and a digit, F, T or U.
    if (!/^[0-9A-Z]{5}$/.test(code)) {
      throw badFieldError(file.name, row.line, codeColumn, code, 'a 5-character CPT code');
    }
    const shortDescriptor = shortColumn ? columns.optional(row, shortColumn) : '';
    yield {
      code,
      display: columns.required(row, displayColumn),
      designations: shortDescriptor ? [{ language: 'en', value: shortDescriptor }] : [],
    };
  }
}

/**
 * Loads CPT from a file the user holds a licence for (CareGraph ships no CPT content): a CSV, or a
 * tab-separated `.tsv`/`.txt`, with a header row naming a code column (`code`, `cpt_code`, …) and a
 * descriptor column (`long_descriptor`, `descriptor`, `description`, …), or the columns given. The
 * version is the option, else the year in the file name.
 */
export async function loadCpt(tx: Queryable, target: string, options: CptOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const file = source.files.find((candidate) => /\.(csv|tsv|txt)(\.gz)?$/i.test(candidate.name));
    if (!file) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no .csv, .tsv or .txt file found');
    }
    const version = requireVersion(
      options.version,
      /(?:^|\D)(20\d\d)(?!\d)/.exec(file.name)?.[1],
      file.name,
      'no year in the file name',
    );
    const progress = new ProgressReporter(options.onProgress);
    const release = await writeRelease(
      tx,
      {
        url: CPT_URL,
        version,
        name: 'CPT',
        title: 'Current Procedural Terminology (CPT)',
        publisher: 'American Medical Association',
        copyright: 'CPT © American Medical Association. All rights reserved.',
      },
      readCpt(file, options, progress),
      { ...options, progress },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
