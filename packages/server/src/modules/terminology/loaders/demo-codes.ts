import { readFileSync } from 'node:fs';
import type { Queryable } from '../../../platform/db/index.ts';
import { beginRelease, findRelease, finishRelease, searchTextOf, writeConceptWords } from '../store/index.ts';
import { RXNORM_URL } from './rxnorm.ts';
import type { LoadSummary } from './write-release.ts';

/** The release the demo codes of a system without any shipped release go into. */
export const DEMO_CODES_VERSION = 'caregraph-demo';

type DemoCode = { system: string; code: string; display: string };

function readDemoCodes(file: string): DemoCode[] {
  const [, ...lines] = readFileSync(file, 'utf8').split('\n');
  return lines
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const [system = '', code = '', display = ''] = line.split('\t');
      if (!system || !code || !display) {
        throw new Error(`${file} line ${index + 2}: expected system, code and display`);
      }
      return { system, code, display };
    });
}

/**
 * Adds the codes the demo patients use (data-terminology/demo-codes/demo-codes.tsv, with the demo
 * data's own displays) where the shipped subsets lack them: into the current release of SNOMED CT
 * and LOINC (those are `fragment`s), and, for RxNorm, which is not shipped, into a fragment release
 * of its own that becomes current only when no RxNorm release is loaded. Codes already present are
 * left as they are, so a full release loaded by the user is never altered.
 */
export async function loadDemoCodes(tx: Queryable, file: string): Promise<LoadSummary> {
  const codes = readDemoCodes(file);
  const rxnorm = await beginRelease(tx, {
    url: RXNORM_URL,
    version: DEMO_CODES_VERSION,
    title: 'RxNorm codes used by the CareGraph demo data',
    content: 'fragment',
  });
  let added = 0;
  for (const system of [...new Set(codes.map((code) => code.system))]) {
    const release = system === RXNORM_URL ? rxnorm : await findRelease(tx, system);
    if (!release) {
      continue;
    }
    const concepts = codes.filter((code) => code.system === system);
    const { rows: inserted } = await tx.query<{ code: string }>(
      `INSERT INTO term_concept (system_id, code, display, active, search_text)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::boolean[], $5::text[])
       ON CONFLICT (system_id, code) DO NOTHING
       RETURNING code`,
      [
        release.id,
        concepts.map((concept) => concept.code),
        concepts.map((concept) => concept.display),
        concepts.map(() => true),
        concepts.map(searchTextOf),
      ],
    );
    const isInserted = new Set(inserted.map((row) => row.code));
    await writeConceptWords(
      tx,
      concepts
        .filter((concept) => isInserted.has(concept.code))
        .map((concept) => ({
          systemId: release.id,
          code: concept.code,
          searchText: searchTextOf(concept),
          active: true,
          display: concept.display,
        })),
      { replace: false },
    );
    added += inserted.length;
    await tx.query(
      'UPDATE term_system SET concept_count = (SELECT count(*) FROM term_concept WHERE system_id = $1) WHERE id = $1',
      [release.id],
    );
  }
  const current = await findRelease(tx, RXNORM_URL);
  if (!current) {
    await finishRelease(tx, rxnorm);
  }
  return {
    url: RXNORM_URL,
    version: DEMO_CODES_VERSION,
    concepts: added,
    inactive: 0,
    valueSets: 0,
    mapElements: 0,
    codeSystems: [],
  };
}
