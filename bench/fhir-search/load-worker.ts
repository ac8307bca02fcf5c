// A worker thread of the PostgreSQL load (see `loadInWorkers`): clones and stores its share of the
// patients over its own connection, reporting progress and finally the query samples.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../packages/server/src/platform/db/index.ts';
import { loadSources } from './clone-synthea.ts';
import { loadClones, type WorkerInput, type WorkerMessage } from './load-dataset.ts';

const input = workerData as WorkerInput;
const post = (message: WorkerMessage) => parentPort?.postMessage(message);
const db = await openDatabase({ databaseUrl: input.databaseUrl, dataDir: '', databasePoolSize: 1 });
try {
  const outcome = await loadClones({
    db,
    tenantId: input.tenantId,
    sources: loadSources(),
    specs: input.specs,
    onProgress: (resources) => post({ type: 'progress', resources }),
  });
  post({ type: 'done', outcome });
} finally {
  await db.close();
}
