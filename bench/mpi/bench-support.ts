// What the MPI benchmarks share: the `caregraph` command as a child process, Patients posted
// through the FHIR API in transaction Bundles, and the golden records read back through it as
// predicted pairs.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Bundle, Patient, Person } from '@medplum/fhirtypes';
import { Pool } from 'undici';
import type { ModeDatabase } from '../fhir-store/mode-database.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cliPath = path.join(repoRoot, 'packages/cli/bin/caregraph.js');

/**
 * A FHIR client over one keep-alive pool; errors name the status and the resource type, never data.
 * Not the store benchmark's `FhirClient`: these benchmarks need each transaction entry's Location
 * (the server's ids, to map golden records back to the data set) and the response headers
 * (`Server-Timing`).
 */
export type BenchClient = {
  get: (urlPath: string) => Promise<string>;
  post: (
    urlPath: string,
    body: string,
  ) => Promise<{ status: number; text: string; headers: Record<string, string | undefined> }>;
  close: () => Promise<void>;
};

export function createBenchClient(origin: string, accessToken: string, connections: number): BenchClient {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const requestHeaders = {
    authorization: `Bearer ${accessToken}`,
    accept: 'application/fhir+json',
    'content-type': 'application/fhir+json',
  };
  const send = async (method: 'GET' | 'POST', urlPath: string, body?: string) => {
    const response = await pool.request({
      method,
      path: `/fhir/R4/${urlPath}`,
      headers: requestHeaders,
      ...(body ? { body } : {}),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      throw new Error(`${method} ${urlPath.split(/[/?]/)[0] ?? ''}: HTTP ${response.statusCode} ${text.slice(0, 300)}`);
    }
    const headers = Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
    );
    return { status: response.statusCode, text, headers };
  };
  return {
    get: async (urlPath) => (await send('GET', urlPath)).text,
    post: (urlPath, body) => send('POST', urlPath, body),
    close: () => pool.close(),
  };
}

export type CliRun = { code: number | null; stdout: string; stderr: string; seconds: number };

/** Runs `caregraph <args>` on the mode's database; rejects unless it exits 0. */
export function runCaregraph(database: ModeDatabase, args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, CAREGRAPH_DATA_DIR: database.dataDir, CAREGRAPH_DEMO_DATA: 'false' };
  delete env.DATABASE_URL;
  if (database.databaseUrl) {
    env.DATABASE_URL = database.databaseUrl;
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const run = { code, stdout, stderr, seconds: (performance.now() - started) / 1000 };
      if (code === 0) {
        resolve(run);
      } else {
        reject(new Error(`caregraph ${args.join(' ')} exited with ${String(code)}:\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/**
 * Creates the Patients through the FHIR API, `batchSize` per transaction Bundle and `concurrency`
 * Bundles at a time; resolves to the server's id of each, in order.
 */
export async function createPatients(
  client: BenchClient,
  patients: readonly Patient[],
  options: { batchSize: number; concurrency: number; onProgress?: (done: number) => void },
): Promise<string[]> {
  const ids = new Array<string>(patients.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < patients.length) {
      const start = next;
      next = Math.min(patients.length, next + options.batchSize);
      const batch = patients.slice(start, next);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        // The server assigns ids: the benchmark loads as any other channel would.
        entry: batch.map(({ id: _id, ...patient }) => ({
          resource: patient,
          request: { method: 'POST', url: 'Patient' },
        })),
      };
      const response = JSON.parse((await client.post('', JSON.stringify(bundle))).text) as Bundle;
      response.entry?.forEach((entry, index) => {
        const match = /Patient\/([^/]+)/.exec(entry.response?.location ?? '');
        if (!match?.[1]) {
          throw new Error(`transaction entry ${index}: no Patient id in "${entry.response?.location ?? ''}"`);
        }
        ids[start + index] = match[1];
      });
      done += batch.length;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return ids;
}

/** Every golden record's member Patients (`Person.link[].target`), by paging through `Person`. */
export async function readGoldenRecordMembers(client: BenchClient): Promise<string[][]> {
  const clusters: string[][] = [];
  let next: string | undefined = 'Person?_count=500';
  while (next !== undefined) {
    const page = JSON.parse(await client.get(next)) as Bundle<Person>;
    for (const entry of page.entry ?? []) {
      const members = (entry.resource?.link ?? [])
        .map((link) => /^Patient\/([^/]+)$/.exec(link.target.reference ?? '')?.[1])
        .filter((id): id is string => id !== undefined);
      clusters.push(members);
    }
    const link = page.link?.find((candidate) => candidate.relation === 'next')?.url;
    // Next links are absolute; the client takes paths under the FHIR base.
    next = link === undefined ? undefined : link.slice(link.indexOf('/fhir/R4/') + '/fhir/R4/'.length);
  }
  return clusters;
}

/** Every pair within each cluster: what the golden records assert, in the scorer's pair format. */
export function clusterPairs(clusters: readonly (readonly string[])[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const members of clusters) {
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        pairs.push([members[a] ?? '', members[b] ?? '']);
      }
    }
  }
  return pairs;
}
