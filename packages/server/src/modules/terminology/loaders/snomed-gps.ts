import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { badFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readSplitRows, splitHeader } from './read-table.ts';
import { SNOMED_URL, snomedOrderKey, withoutSemanticTag } from './snomed.ts';
import { openSource, type SourceFile } from './source.ts';
import { ProgressReporter, summarize, writeRelease, type LoadSummary, type LoaderOptions } from './write-release.ts';

const FSN = '900000000000003001';

/** The International Edition the GPS of September 2020 was drawn from. */
const GPS_VERSION = `${SNOMED_URL}/900000000000207008/version/20200731`;

const GPS_COPYRIGHT =
  'SNOMED CT Global Patient Set (GPS), © SNOMED International, released under the Creative Commons Attribution 4.0 ' +
  'International licence with SNOMED International terms (see data-terminology/snomed-gps/NOTICE.txt). ' +
  'SNOMED CT® was originally created by the College of American Pathologists.';

async function* readGps(file: SourceFile, progress: ProgressReporter): AsyncGenerator<ConceptInput> {
  const { header, rows } = await splitHeader(readSplitRows(file, '\t', progress.reading(file)));
  const columns = new Columns(file.name, header?.cells ?? []);
  for await (const row of rows) {
    const code = columns.required(row, 'concept_id');
    if (!/^\d{6,18}$/.test(code)) {
      throw badFieldError(file.name, row.line, 'concept_id', code, 'an SCTID (6 to 18 digits)');
    }
    const fsn = columns.required(row, 'fully_specified_name');
    const tag = columns.optional(row, 'semantic_tag');
    yield {
      code,
      display: withoutSemanticTag(fsn),
      properties: tag ? { semanticTag: tag } : {},
      designations: [{ language: 'en', useSystem: SNOMED_URL, useCode: FSN, value: fsn }],
    };
  }
}

/**
 * Loads the SNOMED CT Global Patient Set as shipped: a TSV of `concept_id, fully_specified_name,
 * semantic_tag`. It has no synonyms and no hierarchy, so the display is the FSN without its
 * semantic tag and the release is a `fragment` of the July 2020 International Edition.
 */
export async function loadSnomedGps(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const file = source.files.find((candidate) => /\.tsv$/i.test(candidate.name));
    if (!file) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no GPS .tsv file found');
    }
    const progress = new ProgressReporter(options.onProgress);
    const release = await writeRelease(
      tx,
      {
        url: SNOMED_URL,
        version: options.version?.trim() || GPS_VERSION,
        name: 'SNOMED_CT',
        title: 'SNOMED CT Global Patient Set',
        publisher: 'SNOMED International',
        copyright: GPS_COPYRIGHT,
        content: 'fragment',
      },
      readGps(file, progress),
      { ...options, progress, orderKey: snomedOrderKey },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
