import { normalizeString } from '@caregraph/core';
import type { Queryable } from '../../../platform/db/index.ts';
import { writeConceptWords } from './words.ts';

/** A designation (synonym, translation) of a concept. */
export type Designation = { language?: string; useSystem?: string; useCode?: string; value: string };

/** A concept as a loader hands it over. */
export type ConceptInput = {
  code: string;
  display?: string;
  definition?: string;
  /** False for codes the release itself marks inactive or retired. */
  active?: boolean;
  properties?: Record<string, unknown>;
  designations?: Designation[];
  /** Codes of the direct parents (is-a) in the same release. */
  parents?: string[];
};

/** Display and synonyms folded for typeahead matching. */
export function searchTextOf(concept: ConceptInput): string {
  const words = [concept.display, ...(concept.designations ?? []).map((designation) => designation.value)];
  return normalizeString(words.filter((word): word is string => Boolean(word)).join(' '));
}

/**
 * Writes a batch of concepts of one release, replacing what the release held for those codes
 * (display, properties, designations, parents, typeahead words), in a few statements whatever the
 * batch size.
 */
export async function writeConcepts(tx: Queryable, systemId: number, concepts: ConceptInput[]): Promise<void> {
  if (concepts.length === 0) {
    return;
  }
  const codes = concepts.map((concept) => concept.code);
  const searchTexts = concepts.map(searchTextOf);
  await tx.query(
    `INSERT INTO term_concept (system_id, code, display, definition, active, properties, search_text)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::jsonb[], $7::text[])
     ON CONFLICT (system_id, code) DO UPDATE SET display = EXCLUDED.display, definition = EXCLUDED.definition,
       active = EXCLUDED.active, properties = EXCLUDED.properties, search_text = EXCLUDED.search_text`,
    [
      systemId,
      codes,
      concepts.map((concept) => concept.display ?? null),
      concepts.map((concept) => concept.definition ?? null),
      concepts.map((concept) => concept.active ?? true),
      concepts.map((concept) => (concept.properties ? JSON.stringify(concept.properties) : null)),
      searchTexts,
    ],
  );
  await writeConceptWords(
    tx,
    concepts.map((concept, index) => ({
      systemId,
      code: concept.code,
      searchText: searchTexts[index] ?? '',
      active: concept.active ?? true,
      display: concept.display,
    })),
    { replace: true },
  );
  await tx.query(
    `WITH d AS (DELETE FROM term_designation WHERE system_id = $1 AND code = ANY($2::text[]))
     DELETE FROM term_parent WHERE system_id = $1 AND child_code = ANY($2::text[])`,
    [systemId, codes],
  );
  const designations = concepts.flatMap((concept) =>
    (concept.designations ?? []).map((designation) => ({ code: concept.code, ...designation })),
  );
  if (designations.length > 0) {
    await tx.query(
      `INSERT INTO term_designation (system_id, code, language, use_system, use_code, value)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        systemId,
        designations.map((designation) => designation.code),
        designations.map((designation) => designation.language ?? null),
        designations.map((designation) => designation.useSystem ?? null),
        designations.map((designation) => designation.useCode ?? null),
        designations.map((designation) => designation.value),
      ],
    );
  }
  const edges = concepts.flatMap((concept) =>
    [...new Set(concept.parents ?? [])].map((parent) => ({ child: concept.code, parent })),
  );
  if (edges.length > 0) {
    await tx.query(
      `INSERT INTO term_parent (system_id, child_code, parent_code)
       SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [systemId, edges.map((edge) => edge.child), edges.map((edge) => edge.parent)],
    );
  }
}

/** A stored concept with what `$lookup` reports about it. */
export type StoredConcept = {
  code: string;
  display: string | null;
  definition: string | null;
  active: boolean;
  properties: Record<string, unknown> | null;
  designations: Designation[];
  parents: string[];
  children: string[];
};

/** One concept of a release, with designations, parents and children; undefined when absent. */
export async function readConcept(q: Queryable, systemId: number, code: string): Promise<StoredConcept | undefined> {
  const { rows } = await q.query<{
    code: string;
    display: string | null;
    definition: string | null;
    active: boolean;
    properties: Record<string, unknown> | string | null;
    designations: Designation[] | string;
    parents: string[];
    children: string[];
  }>(
    `SELECT c.code, c.display, c.definition, c.active, c.properties,
       coalesce((SELECT json_agg(json_build_object('language', d.language, 'useSystem', d.use_system,
         'useCode', d.use_code, 'value', d.value)) FROM term_designation d
         WHERE d.system_id = c.system_id AND d.code = c.code), '[]') AS designations,
       ARRAY(SELECT p.parent_code FROM term_parent p WHERE p.system_id = c.system_id AND p.child_code = c.code ORDER BY 1) AS parents,
       ARRAY(SELECT p.child_code FROM term_parent p WHERE p.system_id = c.system_id AND p.parent_code = c.code ORDER BY 1) AS children
     FROM term_concept c WHERE c.system_id = $1 AND c.code = $2`,
    [systemId, code],
  );
  const row = rows[0];
  if (!row) {
    return undefined;
  }
  const parse = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
  return {
    code: row.code,
    display: row.display,
    definition: row.definition,
    active: row.active,
    properties: row.properties === null ? null : parse(row.properties),
    designations: parse(row.designations).map((designation) =>
      Object.fromEntries(Object.entries(designation).filter(([, value]) => value !== null)),
    ) as Designation[],
    parents: row.parents,
    children: row.children,
  };
}

/**
 * Whether `descendant` is `ancestor` or below it in the release's is-a hierarchy. Walks up from
 * the descendant: a concept has few ancestors, where a broad concept can have thousands below it.
 */
export async function subsumes(q: Queryable, systemId: number, ancestor: string, descendant: string): Promise<boolean> {
  const { rows } = await q.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM (${ancestorsSql('$1', '$3')}) up WHERE up.code = $2) AS found`,
    [systemId, ancestor, descendant],
  );
  return rows[0]?.found ?? false;
}

/** SQL for the codes at or below `$code` in release `$system` (placeholders given), for is-a filters. */
export function descendantsSql(systemParam: string, codeParam: string): string {
  return `WITH RECURSIVE down(code) AS (
    SELECT ${codeParam}::text
    UNION
    SELECT p.child_code FROM term_parent p JOIN down ON p.system_id = ${systemParam} AND p.parent_code = down.code
  ) SELECT code FROM down`;
}

/** SQL for the codes at or above `$code` in release `$system` (placeholders given), for `:above`. */
export function ancestorsSql(systemParam: string, codeParam: string): string {
  return `WITH RECURSIVE up(code) AS (
    SELECT ${codeParam}::text
    UNION
    SELECT p.parent_code FROM term_parent p JOIN up ON p.system_id = ${systemParam} AND p.child_code = up.code
  ) SELECT code FROM up`;
}
