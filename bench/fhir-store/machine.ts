import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseMode } from './report.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The checked-out commit, with `+uncommitted` when the tree has changes. */
export function gitRevision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot }).toString().trim() !== '';
    return dirty ? `${commit}+uncommitted` : commit;
  } catch {
    return 'unknown';
  }
}

/** What a result was measured on, for the report. */
export function machineInfo(mode: DatabaseMode, databaseVersion: string): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    mode,
    cpuCount: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    // Other work on the machine skews every number; recorded so a noisy run can be recognised.
    loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100),
    database: databaseVersion,
    revision: gitRevision(),
  };
}

/** The PostgreSQL server's version, described as the temporary benchmark cluster. */
export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'} (temporary cluster, fsync=off)`;
  } finally {
    await client.end();
  }
}
