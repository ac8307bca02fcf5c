// A PostgreSQL cluster in a directory a benchmark keeps: `--keep-dir` creates it and leaves it
// behind after the run, `--reuse-dir` starts it again so a large dataset (the search benchmark's 1M
// resources, the patient index's 1M patients) is loaded once and measured many times. Settings
// match the temporary cluster's (`scripts/temporary-postgres.ts`): loopback only, trust auth,
// fsync=off. When running as root, the server runs as the `postgres` system user, since PostgreSQL
// refuses to run as root.
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findBinDir, freePort, postgresUid, runAs } from '../../scripts/temporary-postgres.ts';
import { onCleanup } from './cleanups.ts';
import { postgresVersion } from './machine.ts';
import { postgresModeDatabase, type ModeDatabase } from './mode-database.ts';

const CLUSTER = 'pgdata';
const SERVER_FILES = 'server-data';
const DATASET_FILE = 'dataset.json';

/** Starts `postgres` on `<dir>/pgdata` and waits until it accepts connections; `stop` leaves the files. */
async function startCluster(dir: string, settings: Record<string, string>, create: boolean) {
  const bin = findBinDir();
  const owner = postgresUid();
  const dataDir = path.join(dir, CLUSTER);
  if (create) {
    runAs(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'caregraph', '--auth=trust', '-E', 'UTF8', '--no-sync'],
      owner,
    );
  }
  const port = await freePort();
  const server = spawn(
    path.join(bin, 'postgres'),
    [
      ...['-D', dataDir, '-p', String(port), '-k', dir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    { stdio: 'ignore', ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) },
  );
  const stop = async () => {
    if (server.exitCode === null) {
      // SIGINT is PostgreSQL's "fast shutdown": it checkpoints, so the kept cluster starts clean next time.
      server.kill('SIGINT');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  };
  const readyCheck = create
    ? ['createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'caregraph', 'caregraph']]
    : ['pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'caregraph', '-d', 'caregraph']];
  // Reopening a large cluster after an unclean stop replays WAL first; give it time.
  const deadline = Date.now() + (create ? 30_000 : 600_000);
  for (;;) {
    try {
      runAs(path.join(bin, readyCheck[0] as string), readyCheck[1] as string[], owner);
      break;
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) {
        server.kill('SIGKILL');
        throw new Error(`PostgreSQL on ${dataDir} did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url: `postgresql://caregraph@127.0.0.1:${port}/caregraph`,
    socketUrl: `postgresql:///caregraph?host=${dir}&port=${port}&user=caregraph`,
    stop,
    pid: server.pid,
  };
}

/**
 * Starts the kept cluster of `dir` (creating it when `create`; then `dir` must be missing or empty),
 * with the server's data directory beside it (`dir/server-data`). The cluster stops with the
 * cleanups; the files of both stay.
 */
export async function prepareKeptDatabase(options: {
  dir: string;
  create: boolean;
  log: (message: string) => void;
  postgresSettings: Record<string, string>;
}): Promise<ModeDatabase> {
  const dir = path.resolve(options.dir);
  if (options.create) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new Error(`--keep-dir ${dir} is not empty; remove it or pass it as --reuse-dir`);
    }
    mkdirSync(dir, { recursive: true });
    const owner = postgresUid();
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
    }
  } else if (!existsSync(path.join(dir, DATASET_FILE))) {
    throw new Error(`--reuse-dir ${dir} holds no finished load (${DATASET_FILE} is missing)`);
  }
  // The server's own files (its key-encryption key, the audit signing key) stay with the database
  // they protect: a new key-encryption key could not unwrap the tenant's data keys wrapped at the load.
  const dataDir = path.join(dir, SERVER_FILES);
  mkdirSync(dataDir, { recursive: true });
  const described = Object.entries(options.postgresSettings).map(([name, value]) => `${name} ${value}`);
  options.log(`${options.create ? 'creating' : 'starting'} the kept PostgreSQL in ${dir} (${described.join(', ')})`);
  const postgres = await startCluster(dir, options.postgresSettings, options.create);
  onCleanup('kept PostgreSQL', postgres.stop);
  const version = (await postgresVersion(postgres.url)).replace('temporary', 'kept');
  return postgresModeDatabase(dataDir, postgres, [version, ...described]);
}

/**
 * What the benchmark needs of its load besides the cluster (its report, what to ask about). Written
 * only after a load finished, so its presence marks a directory worth reusing.
 */
export function saveKeptDataset(dir: string, kept: object): void {
  writeFileSync(path.join(path.resolve(dir), DATASET_FILE), `${JSON.stringify(kept)}\n`);
}

/** What `saveKeptDataset` wrote; the caller knows (and checks) its shape. */
export function readKeptDataset(dir: string): unknown {
  return JSON.parse(readFileSync(path.join(path.resolve(dir), DATASET_FILE), 'utf8')) as unknown;
}
