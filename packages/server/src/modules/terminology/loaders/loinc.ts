import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput, Designation } from '../store/index.ts';
import { badFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readCsvRows, readSplitRows, splitHeader, type Row } from './read-table.ts';
import { baseName, openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

export const LOINC_URL = 'http://loinc.org';

const LOINC_COPYRIGHT =
  'This material contains content from LOINC (http://loinc.org). LOINC is copyright © Regenstrief Institute, Inc. ' +
  'and the Logical Observation Identifiers Names and Codes (LOINC) Committee and is available at no cost under the ' +
  'license at http://loinc.org/license. LOINC® is a registered United States trademark of Regenstrief Institute, Inc.';

/** The axes and classification of a LOINC term, kept as properties under their LOINC column names. */
const PROPERTY_COLUMNS = [
  'COMPONENT',
  'PROPERTY',
  'TIME_ASPCT',
  'SYSTEM',
  'SCALE_TYP',
  'METHOD_TYP',
  'CLASS',
  'CLASSTYPE',
  'STATUS',
  'ORDER_OBS',
];
const INACTIVE_STATUSES = new Set(['DEPRECATED', 'DISCOURAGED']);

const useOf = (code: string): Pick<Designation, 'useSystem' | 'useCode'> => ({ useSystem: LOINC_URL, useCode: code });

/** Reads one row of a file in one of the layouts LOINC data comes in. */
type RowReader = (columns: Columns, row: Row) => ConceptInput;

function loincCode(columns: Columns, row: Row, column: string): string {
  const code = columns.required(row, column);
  if (!/^\d{1,7}-\d$/.test(code)) {
    throw badFieldError(columns.file, row.line, column, code, 'a LOINC code such as 4548-4');
  }
  return code;
}

/** `Loinc.csv` of the loinc.org release. */
const readLoincTableRow: RowReader = (columns, row) => {
  const properties: Record<string, unknown> = {};
  for (const column of PROPERTY_COLUMNS) {
    const value = columns.optional(row, column);
    if (value !== '') {
      properties[column] = value;
    }
  }
  const rank = Number(columns.optional(row, 'COMMON_TEST_RANK'));
  if (rank > 0) {
    properties.COMMON_TEST_RANK = rank;
  }
  const designations: Designation[] = [];
  for (const column of ['SHORTNAME', 'DisplayName', 'CONSUMER_NAME']) {
    const value = columns.optional(row, column);
    if (value !== '') {
      designations.push({ language: 'en-US', ...useOf(column), value });
    }
  }
  const definition = columns.optional(row, 'DefinitionDescription');
  return {
    code: loincCode(columns, row, 'LOINC_NUM'),
    display: columns.required(row, 'LONG_COMMON_NAME'),
    ...(definition ? { definition } : {}),
    active: !INACTIVE_STATUSES.has(columns.optional(row, 'STATUS').toUpperCase()),
    properties,
    designations,
  };
};

/** The "Top 2000+ lab results" CSVs: `LOINC #, Long Common Name, Short Name, CLASS, Rank`. */
const readTop2000Row: RowReader = (columns, row) => {
  const shortName = columns.optional(row, 'Short Name');
  const rank = Number(columns.optional(row, 'Rank'));
  return {
    code: loincCode(columns, row, 'LOINC #'),
    display: columns.required(row, 'Long Common Name'),
    properties: {
      ...(columns.optional(row, 'CLASS') ? { CLASS: columns.optional(row, 'CLASS') } : {}),
      ...(rank > 0 ? { COMMON_TEST_RANK: rank } : {}),
    },
    designations: shortName ? [{ language: 'en-US', ...useOf('SHORTNAME'), value: shortName }] : [],
  };
};

/** The vital-sign codes of the FHIR R4 profiles: `loinc_code, long_common_name, fhir_r4_profile`. */
const readVitalSignRow: RowReader = (columns, row) => ({
  code: loincCode(columns, row, 'loinc_code'),
  display: columns.required(row, 'long_common_name'),
  properties: { CLASS: 'VITALS', fhirVitalSignsProfile: columns.optional(row, 'fhir_r4_profile') },
});

function readerFor(columns: Columns): RowReader | undefined {
  if (columns.has('LOINC_NUM')) {
    return readLoincTableRow;
  }
  if (columns.has('LOINC #')) {
    return readTop2000Row;
  }
  return columns.has('loinc_code') ? readVitalSignRow : undefined;
}

async function* readLoincFiles(
  files: SourceFile[],
  progress: ProgressReporter,
  isExplicit: boolean,
): AsyncGenerator<ConceptInput> {
  for (const file of files) {
    const onBytes = progress.reading(file);
    const rows = /\.tsv(\.gz)?$/i.test(file.name) ? readSplitRows(file, '\t', onBytes) : readCsvRows(file, onBytes);
    const { header, rows: data } = await splitHeader(rows);
    const columns = new Columns(file.name, header?.cells ?? []);
    const reader = readerFor(columns);
    if (!reader) {
      await data.return(undefined);
      if (isExplicit) {
        throw new TerminologyLoadError(
          { file: file.name, line: 1 },
          'not a LOINC table: expected a LOINC_NUM, "LOINC #" or loinc_code column',
        );
      }
      continue;
    }
    for await (const row of data) {
      yield reader(columns, row);
    }
  }
}

/** Which files of a source hold LOINC terms: `Loinc.csv` when there is one (the loinc.org release), else every CSV/TSV. */
function loincFiles(files: SourceFile[]): SourceFile[] {
  const table = files.filter((file) => baseName(file).toLowerCase() === 'loinc.csv');
  return table.length > 0 ? table.slice(0, 1) : files.filter((file) => /\.(csv|tsv)(\.gz)?$/i.test(file.name));
}

/**
 * Loads LOINC: the loinc.org release (zip or directory; its `LoincTable/Loinc.csv`, or that file
 * alone), or the Top 2000+ lab results CSVs and the FHIR vital-signs TSV. `DEPRECATED` and
 * `DISCOURAGED` terms are inactive; the six axes, CLASS, CLASSTYPE, STATUS and ORDER_OBS are
 * properties; SHORTNAME, DisplayName and CONSUMER_NAME are designations. The version is taken from
 * a name like `Loinc_2.80.zip` or `Loinc_2.80/`, else from the option.
 */
export async function loadLoinc(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const files = loincFiles(source.files);
    if (files.length === 0) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no Loinc.csv or other LOINC CSV/TSV file found');
    }
    const progress = new ProgressReporter(options.onProgress);
    const version = requireVersion(
      options.version,
      [target, ...files.map((file) => file.name)]
        // The Top 2000 files carry the guide's own version (LOINC_1.6_Top2000…), not LOINC's.
        .filter((name) => !/top\s*2000/i.test(name))
        .map((name) => /loinc[_\s-]?v?(\d+\.\d+)/i.exec(name)?.[1])
        .find(Boolean),
      files[0]?.name ?? target,
      'no version in a name like Loinc_2.80.zip',
    );
    const release = await writeRelease(
      tx,
      {
        url: LOINC_URL,
        version,
        name: 'LOINC',
        title: 'Logical Observation Identifiers, Names and Codes (LOINC)',
        publisher: 'Regenstrief Institute, Inc.',
        copyright: LOINC_COPYRIGHT,
        content: files.some((file) => baseName(file).toLowerCase() === 'loinc.csv') ? 'complete' : 'fragment',
      },
      readLoincFiles(files, progress, source.files.length === 1),
      { ...options, progress },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
