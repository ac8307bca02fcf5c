import type { Queryable } from '../../../platform/db/index.ts';
import { searchTextOf, writeConceptWords, type ConceptInput, type ReleaseInput } from '../store/index.ts';
import { writeRelease, type ProgressReporter, type ReleaseSummary, type WriteReleaseOptions } from './write-release.ts';

/** A code system release with all its concepts in memory (a FHIR CodeSystem). */
export type ReleaseWithConcepts = { input: ReleaseInput; concepts: ConceptInput[] };

const ROWS_PER_STATEMENT = 5000;

/**
 * Writes many releases, each usually small (the FHIR R4 package has about a thousand CodeSystems of
 * twenty codes), in a handful of statements instead of several per release: a release of a system
 * that has no release yet needs no upsert, no clean-up of earlier rows and no carry-over, so its
 * rows are inserted in bulk across systems. Releases of systems already loaded go through
 * `writeRelease` one by one. Returns the summaries in the order given.
 */
export async function writeReleases(
  tx: Queryable,
  releases: ReleaseWithConcepts[],
  options: WriteReleaseOptions,
): Promise<ReleaseSummary[]> {
  const { rows: loaded } = await tx.query<{ url: string }>(
    'SELECT DISTINCT url FROM term_system WHERE url = ANY($1::text[])',
    [releases.map((release) => release.input.url)],
  );
  const loadedUrls = new Set(loaded.map((row) => row.url));
  const seenUrls = new Set<string>();
  const fresh: ReleaseWithConcepts[] = [];
  const summaries = new Map<ReleaseWithConcepts, ReleaseSummary>();
  for (const release of releases) {
    // A url twice in one load (two versions of a system) takes the one-by-one path for its later versions.
    if (loadedUrls.has(release.input.url) || seenUrls.has(release.input.url)) {
      continue;
    }
    seenUrls.add(release.input.url);
    fresh.push(release);
  }
  for (const [release, summary] of await insertFresh(tx, fresh, options)) {
    summaries.set(release, summary);
  }
  for (const release of releases) {
    if (!summaries.has(release)) {
      summaries.set(release, await writeRelease(tx, release.input, release.concepts, options));
    }
  }
  return releases.map((release) => summaries.get(release) as ReleaseSummary);
}

/** The first row of each code, as `writeRelease` keeps it. */
function distinctConcepts(concepts: ConceptInput[]): ConceptInput[] {
  const seen = new Set<string>();
  return concepts.filter((concept) => !seen.has(concept.code) && seen.add(concept.code));
}

async function insertFresh(
  tx: Queryable,
  releases: ReleaseWithConcepts[],
  options: WriteReleaseOptions,
): Promise<Array<[ReleaseWithConcepts, ReleaseSummary]>> {
  if (releases.length === 0) {
    return [];
  }
  const isCurrent = options.makeCurrent !== false;
  const conceptsOf = releases.map((release) => distinctConcepts(release.concepts));
  const column = <T>(pick: (input: ReleaseInput) => T) => releases.map((release) => pick(release.input));
  const { rows: ids } = await tx.query<{ id: number }>(
    `INSERT INTO term_system (url, version, name, title, publisher, copyright, content, is_current, concept_count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::boolean[], $9::int[])
     RETURNING id`,
    [
      column((input) => input.url),
      column((input) => input.version),
      column((input) => input.name ?? null),
      column((input) => input.title ?? null),
      column((input) => input.publisher ?? null),
      column((input) => input.copyright ?? null),
      column((input) => input.content ?? 'complete'),
      releases.map(() => isCurrent),
      conceptsOf.map((concepts) => concepts.length),
    ],
  );
  const rows = conceptsOf.flatMap((concepts, index) =>
    concepts.map((concept) => ({ systemId: ids[index]?.id ?? 0, concept })),
  );
  await insertConcepts(tx, rows, options.progress);
  return releases.map((release, index) => {
    const concepts = conceptsOf[index] ?? [];
    return [
      release,
      {
        url: release.input.url,
        version: release.input.version,
        concepts: concepts.length,
        inactive: concepts.filter((concept) => concept.active === false).length,
        isCurrent,
      },
    ];
  });
}

type Row = { systemId: number; concept: ConceptInput };

/** The rows `writeConcepts` writes for these concepts, for releases that hold none yet. */
async function insertConcepts(tx: Queryable, rows: Row[], progress: ProgressReporter): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const batch = rows.slice(start, start + ROWS_PER_STATEMENT);
    const searchTexts = batch.map((row) => searchTextOf(row.concept));
    await tx.query(
      `INSERT INTO term_concept (system_id, code, display, definition, active, properties, search_text)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::jsonb[], $7::text[])`,
      [
        batch.map((row) => row.systemId),
        batch.map((row) => row.concept.code),
        batch.map((row) => row.concept.display ?? null),
        batch.map((row) => row.concept.definition ?? null),
        batch.map((row) => row.concept.active ?? true),
        batch.map((row) => (row.concept.properties ? JSON.stringify(row.concept.properties) : null)),
        searchTexts,
      ],
    );
    await writeConceptWords(
      tx,
      batch.map(({ systemId, concept }, index) => ({
        systemId,
        code: concept.code,
        searchText: searchTexts[index] ?? '',
        active: concept.active ?? true,
        display: concept.display,
      })),
      { replace: false },
    );
    const designations = batch.flatMap(({ systemId, concept }) =>
      (concept.designations ?? []).map((designation) => ({ systemId, code: concept.code, designation })),
    );
    for (let from = 0; from < designations.length; from += ROWS_PER_STATEMENT) {
      const part = designations.slice(from, from + ROWS_PER_STATEMENT);
      await tx.query(
        `INSERT INTO term_designation (system_id, code, language, use_system, use_code, value)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
        [
          part.map((row) => row.systemId),
          part.map((row) => row.code),
          part.map((row) => row.designation.language ?? null),
          part.map((row) => row.designation.useSystem ?? null),
          part.map((row) => row.designation.useCode ?? null),
          part.map((row) => row.designation.value),
        ],
      );
    }
    const edges = batch.flatMap(({ systemId, concept }) =>
      [...new Set(concept.parents ?? [])].map((parent) => ({ systemId, child: concept.code, parent })),
    );
    if (edges.length > 0) {
      await tx.query(
        `INSERT INTO term_parent (system_id, child_code, parent_code)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [edges.map((edge) => edge.systemId), edges.map((edge) => edge.child), edges.map((edge) => edge.parent)],
      );
    }
    progress.concepts += batch.length;
  }
}
