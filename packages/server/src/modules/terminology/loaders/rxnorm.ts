import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput, Designation } from '../store/index.ts';
import { badFieldError, TerminologyLoadError } from './load-error.ts';
import { readSplitRows, type Row } from './read-table.ts';
import { baseName, openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

export const RXNORM_URL = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Term types that name a concept again rather than define it: synonyms, tall-man, prescribable and entry terms. */
const SYNONYM_TYPES = new Set(['SY', 'TMSY', 'PSN', 'ET']);

/**
 * RXNREL relations kept as hierarchy edges, each read "RXCUI2 <rela> RXCUI1" (the RRF convention:
 * the relation the second concept has to the first), so RXCUI1 becomes RXCUI2's parent: a clinical
 * drug below its components (consists_of), a component or form below its ingredients
 * (has_ingredient), a branded drug below its clinical drug (tradename_of), and RxNorm's own isa.
 * `:below` an ingredient then finds every drug that contains it.
 */
const HIERARCHY_RELATIONS = new Set(['isa', 'has_ingredient', 'consists_of', 'tradename_of']);

type RxConcept = { code: string; display?: string; termType?: string; active: boolean; designations: Designation[] };

function cells(file: SourceFile, row: Row, count: number): string[] {
  if (row.cells.length < count) {
    throw new TerminologyLoadError(
      { file: file.name, line: row.line },
      `${row.cells.length - 1} fields, expected ${count} ('|'-separated RRF)`,
    );
  }
  return row.cells;
}

async function readConcepts(file: SourceFile, progress: ProgressReporter): Promise<Map<string, RxConcept>> {
  const concepts = new Map<string, RxConcept>();
  for await (const row of readSplitRows(file, '|', progress.reading(file))) {
    const [rxcui = '', , , , , , , , , , , sab = '', tty = '', , str = '', , suppress = ''] = cells(file, row, 18);
    if (sab !== 'RXNORM') {
      continue;
    }
    if (!/^\d+$/.test(rxcui)) {
      throw badFieldError(file.name, row.line, 'RXCUI', rxcui, 'digits');
    }
    if (str === '') {
      throw badFieldError(file.name, row.line, 'STR', str, 'the name');
    }
    const concept = concepts.get(rxcui) ?? { code: rxcui, active: false, designations: [] };
    concepts.set(rxcui, concept);
    // The first non-synonym atom names the concept; a current (SUPPRESS=N) one is preferred over an obsolete one.
    const isCurrent = suppress === 'N' || suppress === '';
    if (!SYNONYM_TYPES.has(tty) && (concept.display === undefined || (isCurrent && !concept.active))) {
      if (concept.display !== undefined) {
        concept.designations.push({
          language: 'en',
          useSystem: RXNORM_URL,
          useCode: concept.termType,
          value: concept.display,
        });
      }
      concept.display = str;
      concept.termType = tty;
      concept.active = isCurrent;
    } else {
      concept.designations.push({ language: 'en', useSystem: RXNORM_URL, useCode: tty, value: str });
    }
  }
  return concepts;
}

async function readParents(
  file: SourceFile,
  progress: ProgressReporter,
  concepts: Map<string, RxConcept>,
): Promise<Map<string, string[]>> {
  const parents = new Map<string, string[]>();
  for await (const row of readSplitRows(file, '|', progress.reading(file))) {
    const [rxcui1 = '', , , , rxcui2 = '', , , rela = '', , , sab = ''] = cells(file, row, 16);
    if (sab !== 'RXNORM' || !HIERARCHY_RELATIONS.has(rela) || !concepts.has(rxcui1) || !concepts.has(rxcui2)) {
      continue;
    }
    const list = parents.get(rxcui2);
    if (list) {
      list.push(rxcui1);
    } else {
      parents.set(rxcui2, [rxcui1]);
    }
  }
  return parents;
}

/** RxNorm versions are release dates, MMDDYYYY as in the file names; ordered as YYYYMMDD. */
const rxnormOrderKey = (version: string) =>
  /^(\d{2})(\d{2})(\d{4})$/.test(version) ? version.replace(/^(\d{2})(\d{2})(\d{4})$/, '$3$1$2') : version;

/**
 * Loads RxNorm from its RRF files (the full release or the Current Prescribable Content, as a zip
 * or a directory): `RXNCONSO.RRF` rows with SAB=RXNORM give the concepts (RXCUI), the display (the
 * first atom whose term type is not SY/TMSY/PSN/ET), the term type (`tty` property) and the other
 * names as designations; a concept is inactive when its naming atom is suppressed. `RXNREL.RRF`
 * adds the hierarchy (see HIERARCHY_RELATIONS). The version is the date in the zip or directory
 * name (`RxNorm_full_01062025.zip` → `01062025`).
 */
export async function loadRxnorm(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const named = (name: string) => source.files.find((file) => baseName(file).toUpperCase() === name);
    const conso = named('RXNCONSO.RRF');
    if (!conso) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no RXNCONSO.RRF found');
    }
    const version = requireVersion(
      options.version,
      /(\d{8})/.exec(path.basename(target))?.[1] ?? /(\d{8})/.exec(conso.name)?.[1],
      conso.name,
      'no date in a name like RxNorm_full_01062025.zip',
    );
    const progress = new ProgressReporter(options.onProgress);
    const concepts = await readConcepts(conso, progress);
    const relations = named('RXNREL.RRF');
    const parents = relations ? await readParents(relations, progress, concepts) : new Map<string, string[]>();
    const release = await writeRelease(
      tx,
      { url: RXNORM_URL, version, name: 'RxNorm', title: 'RxNorm', publisher: 'National Library of Medicine' },
      [...concepts.values()].map((concept): ConceptInput => ({
        code: concept.code,
        display: concept.display ?? concept.designations[0]?.value,
        active: concept.active,
        properties: concept.termType ? { tty: concept.termType } : {},
        designations: concept.designations,
        parents: parents.get(concept.code) ?? [],
      })),
      { ...options, progress, orderKey: rxnormOrderKey, writeStage: { file: conso.name, total: concepts.size } },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
