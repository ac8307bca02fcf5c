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
  stop: () => Promise<void>;
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
  const deadline = Date.now() + 60_000;
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
  throw new Error(`caregraph serve was not ready after 60 s:\n${output()}`);
}

/** Starts `caregraph serve` with an empty embedded database in a temporary data directory. */
export async function startServer(distDir: string): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-e2e-'));
  const port = await freePort();
  const child = spawn(process.execPath, [cliBin, 'serve'], {
    cwd: webDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      CAREGRAPH_DATA_DIR: dataDir,
      CAREGRAPH_DEMO_DATA: 'false',
      CAREGRAPH_API_KEY: randomBytes(16).toString('hex'),
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
  return { baseUrl, stop };
}
