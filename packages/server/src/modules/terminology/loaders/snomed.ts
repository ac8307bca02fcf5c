import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput, Designation } from '../store/index.ts';
import { badFieldError, TerminologyLoadError } from './load-error.ts';
import { Columns, readSplitRows, splitHeader, type Row } from './read-table.ts';
import { baseName, openSource, type SourceFile } from './source.ts';
import { ProgressReporter, summarize, writeRelease, type LoadSummary, type LoaderOptions } from './write-release.ts';

export const SNOMED_URL = 'http://snomed.info/sct';

const FSN = '900000000000003001';
const SYNONYM = '900000000000013009';
const IS_A = '116680003';
const PREFERRED = '900000000000548007';
const US_ENGLISH = '900000000000509007';
const FULLY_DEFINED = '900000000000073002';
const CORE_MODULE = '900000000000207008';
const MODEL_COMPONENT_MODULE = '900000000000012004';

const SNOMED_COPYRIGHT =
  'This material includes SNOMED Clinical Terms® (SNOMED CT®), used by permission of SNOMED International. ' +
  'All rights reserved. SNOMED CT® was originally created by the College of American Pathologists.';

type ConceptRow = { active: boolean; moduleId: string; effectiveTime: string; isFullyDefined: boolean };
type Terms = { fsn?: string; preferred?: string; preferredRank: number; designations: Designation[] };

/** The RF2 snapshot files of a release; several description and language files (one per language) are allowed. */
type Rf2Files = {
  concepts: SourceFile;
  descriptions: SourceFile[];
  relationships: SourceFile[];
  languages: SourceFile[];
};

function findRf2Files(files: SourceFile[], target: string): Rf2Files {
  const named = (pattern: RegExp) => files.filter((file) => pattern.test(baseName(file)));
  const concepts = named(/^sct2_Concept_Snapshot[-_].*\.txt$/i)[0];
  if (!concepts) {
    throw new TerminologyLoadError(
      { file: path.basename(target) },
      'no RF2 snapshot found (sct2_Concept_Snapshot_*.txt)',
    );
  }
  return {
    concepts,
    descriptions: named(/^sct2_Description_Snapshot[-_].*\.txt$/i),
    relationships: named(/^sct2_Relationship_Snapshot[-_].*\.txt$/i),
    languages: named(/^der2_cRefset_Language.*Snapshot.*\.txt$/i),
  };
}

/** Reads an RF2 file: tab-separated with a header row; `each` gets the columns' positions once. */
async function readRf2(
  file: SourceFile,
  progress: ProgressReporter,
  required: string[],
  each: (row: Row, cell: (index: number) => string) => void,
): Promise<void> {
  const { header, rows } = await splitHeader(readSplitRows(file, '\t', progress.reading(file)));
  const columns = new Columns(file.name, header?.cells ?? []);
  const positions = required.map((name) => columns.indexOf(name));
  for await (const row of rows) {
    each(row, (index) => row.cells[positions[index] ?? -1] ?? '');
  }
}

function sctid(file: SourceFile, row: Row, field: string, value: string): string {
  if (!/^\d{6,18}$/.test(value)) {
    throw badFieldError(file.name, row.line, field, value, 'an SCTID (6 to 18 digits)');
  }
  return value;
}

function flag(file: SourceFile, row: Row, value: string): boolean {
  if (value !== '0' && value !== '1') {
    throw badFieldError(file.name, row.line, 'active', value, '0 or 1');
  }
  return value === '1';
}

/** The FSN without its semantic tag: `Type 2 diabetes mellitus (disorder)` → `Type 2 diabetes mellitus`. */
export function withoutSemanticTag(fsn: string): string {
  return fsn.replace(/\s*\([^()]+\)$/, '');
}

/**
 * The edition module of a release: the module most concepts belong to other than the core and
 * model-component modules (an extension edition's own module), else the core module (the
 * International Edition, and subsets of it like the IPS free set).
 */
function editionModule(concepts: Map<string, ConceptRow>): string {
  const counts = new Map<string, number>();
  for (const { moduleId } of concepts.values()) {
    if (moduleId !== CORE_MODULE && moduleId !== MODEL_COMPONENT_MODULE) {
      counts.set(moduleId, (counts.get(moduleId) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? CORE_MODULE;
}

/** `http://snomed.info/sct/<module>/version/<effective time>`, the SNOMED CT version URI. */
function versionUri(given: string | undefined, module: string, effectiveTime: string): string {
  if (given && /^https?:\/\//.test(given)) {
    return given;
  }
  return `${SNOMED_URL}/${module}/version/${given || effectiveTime}`;
}

/** Orders SNOMED CT versions by effective time whatever their edition. */
export const snomedOrderKey = (version: string) => /(\d{8})$/.exec(version)?.[1] ?? version;

/**
 * Loads a SNOMED CT RF2 snapshot (any edition: a release zip, its unpacked directory, or the
 * `Snapshot/` folder). Reads `sct2_Concept_Snapshot` (codes, active), `sct2_Description_Snapshot`
 * (active FSNs and synonyms as designations), the language reference sets
 * (`der2_cRefset_Language…Snapshot`) and `sct2_Relationship_Snapshot` (active |is a| rows →
 * parents). The display is the synonym a language reference set marks preferred (US English
 * first); without language reference sets, the FSN without its semantic tag. The version is the
 * version URI of the edition's module and the effective time in the file names; `version` may give
 * the effective time or the whole URI.
 */
export async function loadSnomed(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const files = findRf2Files(source.files, target);
    const progress = new ProgressReporter(options.onProgress);

    const concepts = new Map<string, ConceptRow>();
    let latest = '';
    await readRf2(
      files.concepts,
      progress,
      ['id', 'effectiveTime', 'active', 'moduleId', 'definitionStatusId'],
      (row, cell) => {
        const effectiveTime = cell(1);
        latest = effectiveTime > latest ? effectiveTime : latest;
        concepts.set(sctid(files.concepts, row, 'id', cell(0)), {
          active: flag(files.concepts, row, cell(2)),
          moduleId: cell(3),
          effectiveTime,
          isFullyDefined: cell(4) === FULLY_DEFINED,
        });
      },
    );

    // Description id → rank of the language reference set that prefers it (0: US English).
    const preferredRank = new Map<string, number>();
    for (const file of files.languages) {
      await readRf2(file, progress, ['active', 'refsetId', 'referencedComponentId', 'acceptabilityId'], (row, cell) => {
        if (flag(file, row, cell(0)) && cell(3) === PREFERRED) {
          const rank = cell(1) === US_ENGLISH ? 0 : 1;
          const id = cell(2);
          preferredRank.set(id, Math.min(rank, preferredRank.get(id) ?? rank));
        }
      });
    }

    const terms = new Map<string, Terms>();
    for (const file of files.descriptions) {
      await readRf2(file, progress, ['id', 'active', 'conceptId', 'languageCode', 'typeId', 'term'], (row, cell) => {
        const typeId = cell(4);
        if (!flag(file, row, cell(1)) || (typeId !== FSN && typeId !== SYNONYM)) {
          return;
        }
        const conceptId = cell(2);
        const term = cell(5);
        if (term === '') {
          throw badFieldError(file.name, row.line, 'term', term, 'the description text');
        }
        const entry = terms.get(conceptId) ?? { preferredRank: Infinity, designations: [] };
        terms.set(conceptId, entry);
        entry.designations.push({ language: cell(3), useSystem: SNOMED_URL, useCode: typeId, value: term });
        const rank = preferredRank.get(cell(0));
        if (typeId === FSN) {
          entry.fsn ??= term;
        } else if (rank !== undefined && rank < entry.preferredRank) {
          entry.preferred = term;
          entry.preferredRank = rank;
        }
      });
    }

    const parents = new Map<string, string[]>();
    for (const file of files.relationships) {
      await readRf2(file, progress, ['active', 'sourceId', 'destinationId', 'typeId'], (row, cell) => {
        if (flag(file, row, cell(0)) && cell(3) === IS_A) {
          const child = cell(1);
          const list = parents.get(child);
          if (list) {
            list.push(cell(2));
          } else {
            parents.set(child, [cell(2)]);
          }
        }
      });
    }

    const effectiveTime = /_(\d{8})\.txt$/i.exec(files.concepts.name)?.[1] ?? latest;
    const version = versionUri(options.version?.trim(), editionModule(concepts), effectiveTime);
    const release = await writeRelease(
      tx,
      {
        url: SNOMED_URL,
        version,
        name: 'SNOMED_CT',
        title: 'SNOMED CT',
        publisher: 'SNOMED International',
        copyright: SNOMED_COPYRIGHT,
      },
      toConcepts(concepts, terms, parents),
      {
        ...options,
        progress,
        orderKey: snomedOrderKey,
        writeStage: { file: files.concepts.name, total: concepts.size },
      },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}

function* toConcepts(
  concepts: Map<string, ConceptRow>,
  terms: Map<string, Terms>,
  parents: Map<string, string[]>,
): Generator<ConceptInput> {
  for (const [code, concept] of concepts) {
    const conceptTerms = terms.get(code);
    const display =
      conceptTerms?.preferred ??
      (conceptTerms?.fsn ? withoutSemanticTag(conceptTerms.fsn) : conceptTerms?.designations[0]?.value);
    yield {
      code,
      ...(display ? { display } : {}),
      active: concept.active,
      properties: {
        moduleId: concept.moduleId,
        effectiveTime: concept.effectiveTime,
        sufficientlyDefined: concept.isFullyDefined,
      },
      designations: conceptTerms?.designations ?? [],
      parents: parents.get(code) ?? [],
    };
  }
}
