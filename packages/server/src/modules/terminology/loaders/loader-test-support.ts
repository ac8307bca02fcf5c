// Helpers for the loader integration tests: fixtures, zips, and transactions that are rolled back.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Database, Queryable } from '../../../platform/db/index.ts';
import { findRelease, readConcept, type StoredConcept } from '../store/index.ts';

export { openTestDatabase } from '../../../test/test-database.ts';
export { createTempDir } from '../../../test/temp-dir.ts';

/** The loader fixtures (small files in each release format, written for the tests). */
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');

class RollBack extends Error {}

/**
 * Runs `work` in a transaction that is always rolled back. Loaders write real system URLs, which
 * test files running at the same time on the shared PostgreSQL database must never see. The
 * systems' current releases are set aside inside the transaction first, so what the test sees does
 * not depend on what other files have loaded.
 */
export async function inRolledBackTransaction(
  db: Database,
  urls: string[],
  work: (tx: Queryable) => Promise<void>,
): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query('UPDATE term_system SET is_current = false WHERE url = ANY($1::text[]) AND is_current', [urls]);
      await work(tx);
      throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) {
      throw error;
    }
  }
}

/** A concept of a release (the current one when `version` is undefined). */
export async function lookup(
  q: Queryable,
  url: string,
  version: string | undefined,
  code: string,
): Promise<StoredConcept | undefined> {
  const release = await findRelease(q, url, version);
  return release ? readConcept(q, release.id, code) : undefined;
}

/** Everything a release holds, as comparable text: concepts, designations and parents, sorted. */
export async function snapshotRelease(q: Queryable, url: string, version: string): Promise<string> {
  const { rows } = await q.query(
    `SELECT s.concept_count, s.is_current,
       (SELECT json_agg(c ORDER BY c.code) FROM (SELECT code, display, definition, active, properties, search_text
          FROM term_concept WHERE system_id = s.id) c) AS concepts,
       (SELECT json_agg(d ORDER BY d.code, d.value) FROM (SELECT code, language, use_code, value
          FROM term_designation WHERE system_id = s.id) d) AS designations,
       (SELECT json_agg(p ORDER BY p.child_code, p.parent_code) FROM (SELECT child_code, parent_code
          FROM term_parent WHERE system_id = s.id) p) AS parents
     FROM term_system s WHERE s.url = $1 AND s.version = $2`,
    [url, version],
  );
  return JSON.stringify(rows);
}

/** What the database holds for a system: its releases and the current one, to check a failed load changed nothing. */
export async function systemState(q: Queryable, url: string): Promise<string> {
  const { rows } = await q.query(
    `SELECT s.version, s.is_current, s.concept_count, (SELECT count(*)::int FROM term_concept c WHERE c.system_id = s.id) AS stored
     FROM term_system s WHERE s.url = $1 ORDER BY s.version`,
    [url],
  );
  return JSON.stringify(rows);
}

/** A version no other test run uses, for loads that commit (or try to). */
export function uniqueVersion(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Writes a zip of the given entries (stored, not compressed): enough for the loaders, which read
 * zips with yauzl, without a zip writer dependency.
 */
export function writeZip(file: string, entries: Array<{ name: string; data: string | Buffer }>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    const checksum = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([...locals, directory, end]));
}

/** Writes `content` to `relative` below `dir` (creating folders) and returns the full path. */
export function writeFile(dir: string, relative: string, content: string | Buffer): string {
  const file = path.join(dir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}
