import { Worker } from 'node:worker_threads';
import type { Database } from '../../packages/server/src/platform/db/index.ts';
import type { StoreContext } from '../../packages/server/src/modules/fhir/store/context.ts';
import { writeVersion } from '../../packages/server/src/modules/fhir/store/resource-rows.ts';
import {
  cloneResources,
  samplePatient,
  type ClonedResource,
  type CloneSpec,
  type PatientSample,
  type SourceBundle,
} from './clone-synthea.ts';

/** A resource as `writeVersion` takes it. */
type StoredResource = NonNullable<Parameters<typeof writeVersion>[1]['resource']>;

/** Resources written per database transaction. */
export const BATCH_SIZE = 2000;

/** What loading a share of the clones wrote. */
export type LoadOutcome = { resources: number; samples: PatientSample[]; seconds: number };

/**
 * Writes `resources` in one transaction through the server's own `writeVersion` (current row,
 * history row and every search index row, exactly as a create stores them). Validation is skipped:
 * the source bundles are valid and cloning changes only ids, references, dates and strings.
 */
async function writeBatch(db: Database, tenantId: string, resources: ClonedResource[]): Promise<void> {
  await db.transaction(async (tx) => {
    const ctx: StoreContext = { tenantId, tx, now: () => new Date() };
    for (const { resourceType, id, resource } of resources) {
      // Valid R4 by construction: the source bundles are, and cloning changes values, not structure.
      const stored = resource as unknown as StoredResource;
      await writeVersion(ctx, { resource: stored, resourceType, id, previous: undefined, method: 'POST' });
    }
  });
}

/**
 * Clones and stores every spec, `BATCH_SIZE` resources per transaction; reports the running total
 * after each transaction. Resolves to the query samples of the stored patients.
 */
export async function loadClones(options: {
  db: Database;
  tenantId: string;
  sources: SourceBundle[];
  specs: CloneSpec[];
  onProgress?: (resources: number) => void;
}): Promise<LoadOutcome> {
  const { db, tenantId, sources, specs, onProgress } = options;
  const started = performance.now();
  const samples: PatientSample[] = [];
  let batch: ClonedResource[] = [];
  let written = 0;
  const flush = async () => {
    await writeBatch(db, tenantId, batch);
    written += batch.length;
    batch = [];
    onProgress?.(written);
  };
  for (const spec of specs) {
    const resources = cloneResources(spec, sources);
    samples.push(samplePatient(resources));
    batch.push(...resources);
    if (batch.length >= BATCH_SIZE) {
      await flush();
    }
  }
  if (batch.length > 0) {
    await flush();
  }
  return { resources: written, samples, seconds: (performance.now() - started) / 1000 };
}

/** A message from a load worker (`load-worker.ts`) to the benchmark. */
export type WorkerMessage = { type: 'progress'; resources: number } | { type: 'done'; outcome: LoadOutcome };

/** What a load worker is given. */
export type WorkerInput = { databaseUrl: string; tenantId: string; specs: CloneSpec[] };

/** Runs one load worker; resolves to its outcome, rejects when it fails or exits without one. */
function runWorker(thread: Worker, onProgress: (resources: number) => void): Promise<LoadOutcome> {
  return new Promise<LoadOutcome>((resolve, reject) => {
    let outcome: LoadOutcome | undefined;
    thread.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') {
        onProgress(message.resources);
      } else {
        outcome = message.outcome;
      }
    });
    thread.once('error', reject);
    thread.once('exit', (code) => {
      if (outcome) {
        resolve(outcome);
      } else {
        reject(new Error(`a load worker exited with code ${code} before finishing`));
      }
    });
  });
}

/**
 * Loads the clones on PostgreSQL with `workers` worker threads, each with its own connection and a
 * round-robin share of the clones, so cloning and index extraction (JavaScript) overlap with the
 * database's work. Progress is the total over all workers. When one fails, the others are stopped.
 */
export async function loadInWorkers(options: {
  databaseUrl: string;
  tenantId: string;
  specs: CloneSpec[];
  workers: number;
  onProgress?: (resources: number) => void;
}): Promise<LoadOutcome> {
  const { databaseUrl, tenantId, specs, workers } = options;
  const started = performance.now();
  const progress = new Array<number>(workers).fill(0);
  const threads = Array.from({ length: workers }, (_, worker) => {
    const input: WorkerInput = {
      databaseUrl,
      tenantId,
      specs: specs.filter((_spec, index) => index % workers === worker),
    };
    return new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: input });
  });
  let outcomes: LoadOutcome[];
  try {
    outcomes = await Promise.all(
      threads.map((thread, worker) =>
        runWorker(thread, (resources) => {
          progress[worker] = resources;
          options.onProgress?.(progress.reduce((sum, value) => sum + value, 0));
        }),
      ),
    );
  } catch (error) {
    await Promise.all(threads.map((thread) => thread.terminate()));
    throw error;
  }
  return {
    resources: outcomes.reduce((sum, outcome) => sum + outcome.resources, 0),
    // Clone order: worker w loaded clones w, w + workers, …
    samples: specs.map((_spec, index) => {
      const sample = outcomes[index % workers]?.samples[Math.floor(index / workers)];
      if (!sample) {
        throw new Error(`no sample for clone ${index}`);
      }
      return sample;
    }),
    seconds: (performance.now() - started) / 1000,
  };
}
