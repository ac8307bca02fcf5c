// Starts a throwaway PostgreSQL server on loopback for tests and benchmarks, using the
// Debian/Ubuntu server binaries (package `postgresql`). When running as root, the server runs as
// the `postgres` system user, since PostgreSQL refuses to run as root.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `pid` is the postmaster's: its children are the cluster's backends and workers. */
export type TemporaryPostgres = {
  /** Over TCP on 127.0.0.1. */
  url: string;
  /** The same server over its Unix-domain socket. */
  socketUrl: string;
  pid: number | undefined;
  stop: () => Promise<void>;
};

/** The newest installed PostgreSQL server's bin directory (Debian layout). */
export function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions.find((name) => existsSync(path.join(root, name, 'bin', 'pg_ctl')));
  if (!version) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql; install the "postgresql" package');
  }
  return path.join(root, version, 'bin');
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The `postgres` system user to run the server as when this process is root, else undefined. */
export function postgresUid(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** Runs a PostgreSQL binary (initdb, pg_ctl…) to completion, as `owner` when given. */
export function runAs(bin: string, args: string[], owner: { uid: number; gid: number } | undefined): void {
  execFileSync(bin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
}

/**
 * Creates a cluster in a temporary directory, starts it on a free loopback port, creates database `caregraph`.
 * @param settings - extra server settings (`shared_buffers: '4GB'`), as `-c name=value`
 */
export async function startTemporaryPostgres(settings: Record<string, string> = {}): Promise<TemporaryPostgres> {
  const bin = findBinDir();
  const owner = postgresUid();
  const dir = mkdtempSync(path.join(tmpdir(), 'caregraph-pg-'));
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
  }
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  runAs(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'caregraph', '--auth=trust', '-E', 'UTF8', '--no-sync'], owner);
  const server = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    { stdio: 'ignore', ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) },
  );
  const url = `postgresql://caregraph@127.0.0.1:${port}/caregraph`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      runAs(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'caregraph', 'caregraph'], owner);
      break;
    } catch (error) {
      if (Date.now() > deadline || server.exitCode !== null) {
        server.kill('SIGKILL');
        throw new Error(`temporary PostgreSQL did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
    socketUrl: `postgresql:///caregraph?host=${dir}&port=${port}&user=caregraph`,
    pid: server.pid,
    async stop() {
      if (server.exitCode === null) {
        // SIGINT is PostgreSQL's "fast shutdown".
        server.kill('SIGINT');
        await new Promise((resolve) => server.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
