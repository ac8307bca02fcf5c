// Starts the real CareGraph server (`caregraph serve`) on a free port for browser tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const webDir = path.resolve(import.meta.dirname, '..');
const cliBin = path.resolve(webDir, '../cli/bin/caregraph.js');

export type RunningServer = {
  baseUrl: string;
  /**
   * An access token of the bootstrap system client (`system/*.*`), for checking the pages against
   * the API; fetched once and renewed before it expires.
   */
  systemToken: () => Promise<string>;
  /** The server's data directory (mail drop folder: `<dataDir>/mail`); removed by `stop`. */
  dataDir: string;
  stop: () => Promise<void>;
};

/** The password the e2e server gives the demo tenant's administrator, `admin@demo.caregraph.local`. */
export const E2E_ADMIN_PASSWORD = 'caregraph-e2e-admin';

const SYSTEM_CLIENT_ID = 'caregraph-e2e-system';

export type ServerOptions = {
  /** Load the demo patients (shipped Synthea data) before the server reports ready. */
  demoData?: boolean;
  /**
   * Load the shipped terminology (for the typeahead of the chart's forms). It is off by default:
   * with the demo patients it took the start from 17–21 s to 26–37 s on a shared 2-core machine.
   */
  terminology?: boolean;
};

/** Fails with a clear message unless the web app has been built (the server serves `dist`). */
export function requireWebBuild(): string {
  const distDir = path.join(webDir, 'dist');
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`${distDir}/index.html not found: run \`npm run build -w @caregraph/web\` first.`);
  }
  return distDir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('could not pick a free port');
  }
  return address.port;
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  // Loading the demo patients takes most of this on a busy machine.
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`caregraph serve exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await delay(200);
  }
  throw new Error(`caregraph serve was not ready after 180 s:\n${output()}`);
}

/**
 * Starts `caregraph serve` on an embedded database in a temporary data directory: empty, or with
 * the demo patients. Shipped terminology is loaded only when asked for.
 */
export async function startServer(distDir: string, options: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-e2e-'));
  const port = await freePort();
  const systemSecret = randomBytes(32).toString('base64url');
  // Without the demo patients, an empty demo folder still gives the demo tenant its sign-ins, one per role.
  const emptyDemoDir = path.join(dataDir, 'no-demo-data');
  mkdirSync(emptyDemoDir);
  // A copy of the build: a rebuild during the run (vite empties dist first) must not pull the
  // files out from under the pages.
  const webCopy = path.join(dataDir, 'web');
  cpSync(distDir, webCopy, { recursive: true });
  const child = spawn(process.execPath, [cliBin, 'serve'], {
    cwd: webDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      CAREGRAPH_DATA_DIR: dataDir,
      CAREGRAPH_DEMO_DATA: 'true',
      CAREGRAPH_TENANT: 'demo',
      ...(options.demoData === true ? {} : { CAREGRAPH_DEMO_DATA_DIR: emptyDemoDir }),
      CAREGRAPH_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      CAREGRAPH_BOOTSTRAP_CLIENT_ID: SYSTEM_CLIENT_ID,
      CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: systemSecret,
      CAREGRAPH_TERMINOLOGY: options.terminology === true ? 'true' : 'false',
      CAREGRAPH_WEB_DIST: webCopy,
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(10_000, false, { ref: false })]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, systemToken: cachedSystemToken(baseUrl, systemSecret), dataDir, stop };
}

/** client_credentials against the server's token endpoint, one token reused until shortly before it expires. */
function cachedSystemToken(baseUrl: string, secret: string): () => Promise<string> {
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    if (cached && cached.expiresAt > Date.now() + 30_000) {
      return cached.token;
    }
    const response = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SYSTEM_CLIENT_ID}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.*' }).toString(),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!response.ok || !body.access_token) {
      throw new Error(`client_credentials failed with ${response.status}: ${JSON.stringify(body)}`);
    }
    cached = { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 60) * 1000 };
    return cached.token;
  };
}
