import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { TerminologyLoadError } from './load-error.ts';
import { Columns, readSplitRows, splitHeader } from './read-table.ts';
import { openSource, type SourceFile } from './source.ts';
import { ProgressReporter, summarize, writeRelease, type LoadSummary, type LoaderOptions } from './write-release.ts';

export const UCUM_URL = 'http://unitsofmeasure.org';

const UCUM_COPYRIGHT =
  'This product includes all or a portion of the UCUM table, UCUM codes, and UCUM definitions or is derived from it, ' +
  'subject to a license from Regenstrief Institute, Inc. and The UCUM Organization (https://ucum.org/license).';

async function* readUnits(files: SourceFile[], progress: ProgressReporter): AsyncGenerator<ConceptInput> {
  for (const file of files) {
    const { header, rows } = await splitHeader(readSplitRows(file, '\t', progress.reading(file)));
    const columns = new Columns(file.name, header?.cells ?? []);
    for await (const row of rows) {
      yield { code: columns.required(row, 'code'), display: columns.required(row, 'display') };
    }
  }
}

/**
 * Loads common UCUM units from TSV files with `code, display` columns (a file, or every `.tsv` of
 * a directory; a unit in several files keeps its first row). UCUM is a grammar, so this is a
 * `fragment`: the units people pick from, not every valid expression. The version defaults to 2.1,
 * the UCUM release the FHIR R4 common-units value sets were drawn from.
 */
export async function loadUcum(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const files = source.files.filter((file) => /\.tsv$/i.test(file.name));
    if (files.length === 0) {
      throw new TerminologyLoadError(
        { file: path.basename(target) },
        'no .tsv file with code and display columns found',
      );
    }
    const progress = new ProgressReporter(options.onProgress);
    const release = await writeRelease(
      tx,
      {
        url: UCUM_URL,
        version: options.version?.trim() || '2.1',
        name: 'UCUM',
        title: 'Unified Code for Units of Measure (UCUM)',
        publisher: 'Regenstrief Institute, Inc.',
        copyright: UCUM_COPYRIGHT,
        content: 'fragment',
      },
      readUnits(files, progress),
      { ...options, progress },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
