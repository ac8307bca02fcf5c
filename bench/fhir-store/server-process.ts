import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const READY_TIMEOUT_MS = 600_000;
const cliPath = path.join(repoRoot, 'packages/cli/bin/caregraph.js');

/** Server processes started and not yet exited, for the last-resort kill when the bench dies. */
const liveChildren = new Set<ChildProcess>();

/** SIGKILLs every server process still running; synchronous, for `process.on('exit')`. */
export function killLiveServers(): void {
  for (const child of liveChildren) {
    child.kill('SIGKILL');
  }
}

/** A `caregraph serve` child process, ready to take requests. */
export type ServerProcess = {
  origin: string;
  /**
   * An access token of the server's bootstrap client (client credentials, `system/*.*`), valid for
   * 24 hours (API keys grant no access). The bench's requests carry it.
   */
  accessToken: string;
  /** The bootstrap client, for a bench that wants tokens of its own. */
  client: { clientId: string; clientSecret: string };
  tenantId: string;
  pid: number;
  /** Whether it exited on its own (crashed) before `stop`. */
  hasExited: () => boolean;
  /** The last lines it wrote, for error messages. */
  output: () => string;
  /** SIGTERM, then SIGKILL if it has not exited after the timeout; resolves to the exit code. */
  stop: () => Promise<number | null>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** An access token of a confidential client, by client credentials (RFC 6749 §4.4). */
export async function requestClientToken(
  origin: string,
  client: { clientId: string; clientSecret: string },
): Promise<string> {
  const response = await request(`${origin}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.body.json()) as { access_token?: unknown };
  if (response.statusCode !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`the token endpoint answered ${response.statusCode}`);
  }
  return body.access_token;
}

/**
 * Starts the real server (`node packages/cli/bin/caregraph.js serve`) on a free loopback port,
 * with no demo data and warn-level logs, waits until `/readyz` answers 200, and gets an access
 * token of its bootstrap client: the one configured in this process's environment
 * (CAREGRAPH_BOOTSTRAP_CLIENT_ID/SECRET), else one with a generated secret.
 */
export async function startServerProcess(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  tenantId: string;
  cpuProfileDir?: string | undefined;
}): Promise<ServerProcess> {
  const port = await freePort();
  const client = {
    clientId: process.env.CAREGRAPH_BOOTSTRAP_CLIENT_ID || 'bench-client',
    clientSecret: process.env.CAREGRAPH_BOOTSTRAP_CLIENT_SECRET || randomBytes(32).toString('hex'),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    CAREGRAPH_DATA_DIR: options.dataDir,
    CAREGRAPH_BOOTSTRAP_CLIENT_ID: client.clientId,
    CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: client.clientSecret,
    // One token for the whole run: the longest lifetime the server allows, unless the caller set one.
    CAREGRAPH_ACCESS_TOKEN_TTL: process.env.CAREGRAPH_ACCESS_TOKEN_TTL || '86400',
    CAREGRAPH_TENANT: options.tenantId,
    CAREGRAPH_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.CAREGRAPH_BASE_URL;
  if (options.databaseUrl) {
    env.DATABASE_URL = options.databaseUrl;
  }
  const nodeFlags: string[] = [];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  const child = spawn(process.execPath, [...nodeFlags, cliPath, 'serve'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async (): Promise<number | null> => {
    if (!hasExited()) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 20_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    return child.exitCode;
  };
  const origin = `http://127.0.0.1:${port}`;
  // A first start loads the shipped code systems: seconds on an idle machine, minutes on a busy one.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (hasExited()) {
      throw new Error(`the server exited during start (code ${child.exitCode}):\n${output}`);
    }
    try {
      const response = await request(`${origin}/readyz`);
      await response.body.dump();
      if (response.statusCode === 200) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not become ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await delay(100);
  }
  let accessToken: string;
  try {
    accessToken = await requestClientToken(origin, client);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    origin,
    accessToken,
    client,
    tenantId: options.tenantId,
    pid: child.pid ?? -1,
    hasExited,
    output: () => output,
    stop,
  };
}
