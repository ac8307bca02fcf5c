import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The largest loader fixture: a SNOMED CT RF2 snapshot (concepts, descriptions, language refset, is-a relationships). */
export const SNOMED_FIXTURE = path.resolve(
  import.meta.dirname,
  '../../packages/server/src/modules/terminology/loaders/fixtures/snomed/SnomedCT_TestRF2_PRODUCTION_20250101T120000Z',
);

type Table = { header: string; rows: string[][] };

function readTable(file: string): Table {
  const [header = '', ...lines] = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '');
  return { header, rows: lines.map((line) => line.split('\t')) };
}

function findFile(dir: string, pattern: RegExp): string {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && pattern.test(entry.name)) {
      return path.join(entry.parentPath, entry.name);
    }
  }
  throw new Error(`no file matching ${String(pattern)} under ${dir}`);
}

/**
 * Writes the SNOMED CT fixture scaled up `copies` times into `outDir`, in the RF2 layout the
 * loader reads: copy k repeats every concept, description, language-refset row and relationship
 * of the fixture with its component ids prefixed by 100000 + k (concepts and descriptions keep their
 * partition digits, relationships point at the same copy), and fresh UUIDs for refset rows. So the
 * hierarchy, synonyms and preferred terms of each copy are the fixture's own; metadata concepts
 * (module, type and refset ids) are left as they are. Returns the number of concepts written.
 */
export function writeScaledSnomed(outDir: string, copies: number): { concepts: number; dir: string } {
  const concepts = readTable(findFile(SNOMED_FIXTURE, /^sct2_Concept_Snapshot/));
  const descriptions = readTable(findFile(SNOMED_FIXTURE, /^sct2_Description_Snapshot/));
  const relationships = readTable(findFile(SNOMED_FIXTURE, /^sct2_Relationship_Snapshot/));
  const languages = readTable(findFile(SNOMED_FIXTURE, /^der2_cRefset_Language.*Snapshot/));
  const conceptIds = new Set(concepts.rows.map((row) => row[0] ?? ''));
  const descriptionIds = new Set(descriptions.rows.map((row) => row[0] ?? ''));
  // A fixed-width copy prefix keeps ids unique whatever their length (SCTIDs allow 6 to 18 digits).
  const scaled = (id: string, copy: number) => `${100_000 + copy}${id}`;
  const remap = (id: string, copy: number) => (conceptIds.has(id) || descriptionIds.has(id) ? scaled(id, copy) : id);

  const dir = path.join(outDir, 'SnomedCT_ScaledRF2_PRODUCTION_20250101T120000Z', 'Snapshot');
  mkdirSync(path.join(dir, 'Terminology'), { recursive: true });
  mkdirSync(path.join(dir, 'Refset', 'Language'), { recursive: true });
  const write = (file: string, table: Table, rowsOf: (copy: number) => string[][]) => {
    const lines = [table.header];
    for (let copy = 1; copy <= copies; copy++) {
      for (const row of rowsOf(copy)) {
        lines.push(row.join('\t'));
      }
    }
    writeFileSync(path.join(dir, file), `${lines.join('\r\n')}\r\n`);
  };
  // Concept: id effectiveTime active moduleId definitionStatusId
  write('Terminology/sct2_Concept_Snapshot_INT_20250101.txt', concepts, (copy) =>
    concepts.rows.map(([id = '', ...rest]) => [scaled(id, copy), ...rest]),
  );
  // Description: id effectiveTime active moduleId conceptId languageCode typeId term caseSignificanceId
  write('Terminology/sct2_Description_Snapshot-en_INT_20250101.txt', descriptions, (copy) =>
    descriptions.rows.map((row) => row.map((cell, index) => (index === 0 || index === 4 ? remap(cell, copy) : cell))),
  );
  // Relationship: id effectiveTime active moduleId sourceId destinationId relationshipGroup typeId …
  write('Terminology/sct2_Relationship_Snapshot_INT_20250101.txt', relationships, (copy) =>
    relationships.rows.map((row) =>
      row.map((cell, index) =>
        index === 0 ? scaled(cell, copy) : index === 4 || index === 5 ? remap(cell, copy) : cell,
      ),
    ),
  );
  // Language refset: id effectiveTime active moduleId refsetId referencedComponentId acceptabilityId
  write('Refset/Language/der2_cRefset_LanguageSnapshot-en_INT_20250101.txt', languages, (copy) =>
    languages.rows.map((row) =>
      row.map((cell, index) => (index === 0 ? randomUUID() : index === 5 ? remap(cell, copy) : cell)),
    ),
  );
  return { concepts: concepts.rows.length * copies, dir: path.dirname(dir) };
}
