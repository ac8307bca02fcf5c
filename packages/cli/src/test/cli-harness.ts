// Runs the `caregraph` command as a subprocess against the integration test database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { openDatabase, type Database } from '@caregraph/server';
import { countStoredResources, createTempDir, testDatabaseMode, type StoredResources } from '@caregraph/server/test';

/** The `caregraph` executable. */
export const CLI_BIN = path.resolve(import.meta.dirname, '../../bin/caregraph.js');

// The server's shared test helpers, re-exported so CLI tests import from one place.
export { createTempDir, SYNTHEA_DIR, testDatabaseMode } from '@caregraph/server/test';

/** A tenant id no other test uses. */
export function freshTenantId(prefix = 't'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** What a finished CLI run printed and how it ended. */
export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/**
 * The environment of a CLI subprocess: the test's own, minus anything that would point it at
 * another database or tenant, plus `env`.
 */
export function cliEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|CAREGRAPH_|PORT$|HOST$|LOG_LEVEL$)/.test(name)),
  );
  return { ...base, CAREGRAPH_DEMO_DATA: 'false', ...env };
}

/** Starts the CLI; stdout and stderr are collected as text on the returned process. */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: cliEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return Object.assign(child, { output });
}

/** Resolves when the process has exited and its output is complete. */
export function waitForExit(child: ReturnType<typeof spawnCli>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, ...child.output }));
  });
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return waitForExit(spawnCli(args, env));
}

/** Resolves once `predicate` holds for the process's output; rejects when it exits first or time runs out. */
export function waitForOutput(
  child: ReturnType<typeof spawnCli>,
  predicate: (output: { stdout: string; stderr: string }) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(child.output)) {
        finish();
        resolve();
      } else if (child.exitCode !== null || child.signalCode !== null) {
        finish();
        reject(new Error(`process ended before the expected output:\n${child.output.stdout}\n${child.output.stderr}`));
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for output:\n${child.output.stdout}\n${child.output.stderr}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', check);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', check);
    check();
  });
}

/** A loopback port nobody listens on right now. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Where a CLI test keeps its data: in embedded mode a data directory of its own, in PostgreSQL mode
 * the shared test database (tests isolate themselves by tenant). `env` points the CLI at it; `open`
 * opens it from the test, in embedded mode only while no CLI process has it open.
 */
export type CliTestDatabase = {
  mode: 'embedded' | 'postgres';
  env: Record<string, string>;
  dataDir: string;
  open: () => Promise<Database>;
  remove: () => void;
};

/** A database for one CLI test, in the mode the integration run uses. */
export function createCliTestDatabase(purpose: string): CliTestDatabase {
  const mode = testDatabaseMode();
  const dir = createTempDir(purpose);
  const dataDir = path.join(dir.path, 'data');
  const url = process.env.TEST_DATABASE_URL;
  if (mode === 'postgres' && !url) {
    throw new Error('CAREGRAPH_TEST_DB=postgres needs TEST_DATABASE_URL');
  }
  return {
    mode,
    dataDir,
    env: { CAREGRAPH_DATA_DIR: dataDir, ...(mode === 'postgres' && url ? { DATABASE_URL: url } : {}) },
    open: () => openDatabase({ databaseUrl: mode === 'postgres' ? url : undefined, dataDir, databasePoolSize: 2 }),
    remove: dir.remove,
  };
}

/** Counts a tenant's resources in a database only a finished CLI process used. */
export async function countStoredIn(database: CliTestDatabase, tenantId: string): Promise<StoredResources> {
  const db = await database.open();
  try {
    return await countStoredResources(db, tenantId);
  } finally {
    await db.close();
  }
}
