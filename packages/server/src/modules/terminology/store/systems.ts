import type { Queryable } from '../../../platform/db/index.ts';
import { copyWords } from './words.ts';

/** One loaded release of a code system. */
export type CodeSystemRelease = {
  id: number;
  url: string;
  version: string;
  name: string | null;
  title: string | null;
  publisher: string | null;
  copyright: string | null;
  content: string;
  isCurrent: boolean;
  conceptCount: number;
  loadedAt: Date;
};

export type ReleaseInput = {
  url: string;
  version: string;
  name?: string;
  title?: string;
  publisher?: string;
  copyright?: string;
  content?: 'complete' | 'fragment' | 'example' | 'not-present' | 'supplement';
};

type SystemRow = {
  id: number;
  url: string;
  version: string;
  name: string | null;
  title: string | null;
  publisher: string | null;
  copyright: string | null;
  content: string;
  is_current: boolean;
  concept_count: number;
  loaded_at: Date;
};

const COLUMNS = 'id, url, version, name, title, publisher, copyright, content, is_current, concept_count, loaded_at';

function toRelease(row: SystemRow): CodeSystemRelease {
  return {
    id: row.id,
    url: row.url,
    version: row.version,
    name: row.name,
    title: row.title,
    publisher: row.publisher,
    copyright: row.copyright,
    content: row.content,
    isCurrent: row.is_current,
    conceptCount: row.concept_count,
    loadedAt: row.loaded_at,
  };
}

/**
 * Starts loading a release: creates its row, or reuses the row of the same url and version so
 * loading a file twice changes nothing. Concepts are then written with `writeConcepts` and the
 * release made current with `finishRelease`, all in the caller's transaction.
 */
export async function beginRelease(tx: Queryable, input: ReleaseInput): Promise<CodeSystemRelease> {
  const { rows } = await tx.query<SystemRow>(
    `INSERT INTO term_system (url, version, name, title, publisher, copyright, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (url, version) DO UPDATE SET name = EXCLUDED.name, title = EXCLUDED.title,
       publisher = EXCLUDED.publisher, copyright = EXCLUDED.copyright, content = EXCLUDED.content,
       loaded_at = now()
     RETURNING ${COLUMNS}`,
    [
      input.url,
      input.version,
      input.name ?? null,
      input.title ?? null,
      input.publisher ?? null,
      input.copyright ?? null,
      input.content ?? 'complete',
    ],
  );
  const row = rows[0];
  if (!row) {
    throw new Error(`Could not register ${input.url}|${input.version}`);
  }
  return toRelease(row);
}

/**
 * Ends loading a release. When it is newer than the current one (loaded later and not older by
 * version order the caller decides), codes of the current release missing from it are carried over
 * as inactive, so a retired code still resolves (with `inactive`) instead of vanishing, and the
 * release becomes current.
 */
export async function finishRelease(tx: Queryable, release: CodeSystemRelease): Promise<CodeSystemRelease> {
  const previous = await findRelease(tx, release.url);
  if (previous && previous.id !== release.id) {
    const { rows: carried } = await tx.query<{ code: string }>(
      `INSERT INTO term_concept (system_id, code, display, definition, active, properties, search_text)
       SELECT $1, old.code, old.display, old.definition, false, old.properties, old.search_text
       FROM term_concept old WHERE old.system_id = $2
       ON CONFLICT (system_id, code) DO NOTHING
       RETURNING code`,
      [release.id, previous.id],
    );
    await copyWords(tx, { from: previous.id, to: release.id, codes: carried.map((row) => row.code), active: false });
    await tx.query('UPDATE term_system SET is_current = false WHERE id = $1', [previous.id]);
  }
  const { rows } = await tx.query<SystemRow>(
    `UPDATE term_system SET is_current = true,
       concept_count = (SELECT count(*) FROM term_concept WHERE system_id = $1)
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [release.id],
  );
  return rows[0] ? toRelease(rows[0]) : release;
}

/** The current release of a code system, or the given version; undefined when not loaded. */
export async function findRelease(q: Queryable, url: string, version?: string): Promise<CodeSystemRelease | undefined> {
  const { rows } =
    version === undefined
      ? await q.query<SystemRow>(`SELECT ${COLUMNS} FROM term_system WHERE url = $1 AND is_current`, [url])
      : await q.query<SystemRow>(`SELECT ${COLUMNS} FROM term_system WHERE url = $1 AND version = $2`, [url, version]);
  return rows[0] ? toRelease(rows[0]) : undefined;
}

/** Every loaded release, current ones first. */
export async function listReleases(q: Queryable): Promise<CodeSystemRelease[]> {
  const { rows } = await q.query<SystemRow>(
    `SELECT ${COLUMNS} FROM term_system ORDER BY url, is_current DESC, loaded_at DESC`,
  );
  return rows.map(toRelease);
}
