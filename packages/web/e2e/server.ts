// Starts the real CareGraph server (`caregraph serve`) on a free port for browser tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const webDir = path.resolve(import.meta.dirname, '..');
const cliBin = path.resolve(webDir, '../cli/bin/caregraph.js');

export type RunningServer = {
  baseUrl: string;
  /** The tenant's API key, for signing in and for checking the pages against the API. */
  apiKey: string;
  stop: () => Promise<void>;
};

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
  const apiKey = randomBytes(16).toString('hex');
  const child = spawn(process.execPath, [cliBin, 'serve'], {
    cwd: webDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      CAREGRAPH_DATA_DIR: dataDir,
      CAREGRAPH_DEMO_DATA: options.demoData === true ? 'true' : 'false',
      CAREGRAPH_TERMINOLOGY: options.terminology === true ? 'true' : 'false',
      CAREGRAPH_API_KEY: apiKey,
      CAREGRAPH_WEB_DIST: distDir,
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
  return { baseUrl, apiKey, stop };
}
