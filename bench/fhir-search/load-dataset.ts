import { Worker } from 'node:worker_threads';
import type { Database } from '../../packages/server/src/platform/db/index.ts';
import type { StoreContext } from '../../packages/server/src/modules/fhir/store/context.ts';
import { writeVersion } from '../../packages/server/src/modules/fhir/store/resource-rows.ts';
import { writeVersions, type VersionWrite } from '../../packages/server/src/modules/fhir/store/write-versions.ts';
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
 * Writes `resources` through the server's own store (current row, history row, every search index
 * row, audit entry and journey projection, exactly as creates store them). The Patients come first,
 * one by one through `writeVersion` so the master patient index matches them as on any create, in a
 * transaction of their own: matching locks the patients' blocking keys until commit, and held for a
 * whole batch those locks would make the other writer wait for it. Then everything else in one
 * transaction and one `writeVersions` call, which stores the same rows in a handful of statements
 * instead of a dozen per resource. Validation is skipped: the source bundles are valid and cloning
 * changes only ids, references, dates and strings.
 */
async function writeBatch(db: Database, tenantId: string, resources: ClonedResource[]): Promise<void> {
  const writes = resources.map(({ resourceType, id, resource }) => ({
    // Valid R4 by construction: the source bundles are, and cloning changes values, not structure.
    resource: resource as unknown as StoredResource,
    resourceType,
    id,
    previous: undefined,
    method: 'POST' as const,
  }));
  const patients = writes.filter((write) => write.resourceType === 'Patient');
  const others: VersionWrite[] = writes.filter((write) => write.resourceType !== 'Patient');
  await retried(() =>
    db.transaction(async (tx) => {
      const ctx: StoreContext = { tenantId, tx, now: () => new Date() };
      for (const write of patients) {
        await writeVersion(ctx, write);
      }
    }),
  );
  await retried(() =>
    db.transaction(async (tx) => {
      await writeVersions({ tenantId, tx, now: () => new Date() }, others);
    }),
  );
}

/**
 * Runs a transaction again when PostgreSQL aborted it as a deadlock or serialization failure (two
 * writers' patients meeting in shared rows of the patient index); it rolled back whole.
 */
async function retried(transaction: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await transaction();
      return;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
        throw error;
      }
    }
  }
}

const MAX_ATTEMPTS = 5;

/** Deadlock detected, serialization failure (SQLSTATE 40P01, 40001). */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '40P01' || code === '40001';
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
