// Where a benchmark mode keeps its data: a fresh temporary data directory (PGlite's, and the
// server's for any files it writes) and, in postgres mode, a throwaway PostgreSQL cluster. Both are
// removed by the cleanups, on errors and Ctrl-C too.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporaryPostgres } from '../../scripts/temporary-postgres.ts';
import { onCleanup } from './cleanups.ts';
import { postgresVersion } from './machine.ts';
import { pgliteVersion } from './raw-driver.ts';
import type { DatabaseMode } from './report.ts';

export type ModeDatabase = {
  dataDir: string;
  /** Set in postgres mode (over TCP); undefined means the embedded database in `dataDir`. */
  databaseUrl: string | undefined;
  /** In postgres mode, the same server over its Unix-domain socket. */
  socketUrl?: string;
  /** For the report, e.g. "PostgreSQL 15.14, shared_buffers 6144MB". */
  databaseVersion: string;
  /** In postgres mode, the postmaster's process id (for CPU accounting). */
  databasePid?: number;
};

/** Creates the mode's data directory and, in postgres mode, starts PostgreSQL with `postgresSettings`. */
export async function prepareModeDatabase(
  mode: DatabaseMode,
  options: { benchmark: string; log: (message: string) => void; postgresSettings?: Record<string, string> },
): Promise<ModeDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `caregraph-bench-${options.benchmark}-`));
  onCleanup('data directory', async () => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  if (mode !== 'postgres') {
    return { dataDir, databaseUrl: undefined, databaseVersion: `PGlite ${pgliteVersion()} (on-disk data directory)` };
  }
  const settings = options.postgresSettings ?? {};
  const described = Object.entries(settings).map(([name, value]) => `${name} ${value}`);
  options.log(`starting a temporary PostgreSQL${described.length > 0 ? ` (${described.join(', ')})` : ''}`);
  const postgres = await startTemporaryPostgres(settings);
  onCleanup('temporary PostgreSQL', postgres.stop);
  const version = await postgresVersion(postgres.url);
  return postgresModeDatabase(dataDir, postgres, [version, ...described]);
}

/** A started PostgreSQL as a mode's database: its URLs, postmaster and the report's description. */
export function postgresModeDatabase(
  dataDir: string,
  postgres: { url: string; socketUrl: string; pid?: number | undefined },
  description: string[],
): ModeDatabase {
  return {
    dataDir,
    databaseUrl: postgres.url,
    socketUrl: postgres.socketUrl,
    databaseVersion: description.join(', '),
    ...(postgres.pid ? { databasePid: postgres.pid } : {}),
  };
}

/**
 * The database as every connection reaches it: PostgreSQL over its Unix-domain socket when asked
 * (the report names which), else as prepared (TCP on 127.0.0.1, or the embedded data directory).
 */
export function withConnection(database: ModeDatabase, overSocket: boolean): ModeDatabase {
  if (database.socketUrl === undefined) {
    return database;
  }
  return {
    ...database,
    databaseUrl: overSocket ? database.socketUrl : database.databaseUrl,
    databaseVersion: `${database.databaseVersion}, connected over ${overSocket ? 'a Unix socket' : 'TCP (127.0.0.1)'}`,
  };
}
