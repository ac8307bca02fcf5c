// Blocking recall of the incremental match's candidate lookup on the labelled data sets, per candidate
// budget: each record is looked up as a new write would be (before it is filed), then filed, in the data
// set's order, on an embedded database of its own; a true pair is found when the later record's lookup
// returns the earlier one. Nothing is scored: this is what the budget can cost before the model sees it.
// Usage: node bench/mpi/lookup-recall.ts [--datasets febrl1,febrl2,…] [--budgets 100,50,200,1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import { blockingKeys, toMatchRecord } from '../../packages/server/src/modules/mpi/engine/index.ts';
import { findCandidates } from '../../packages/server/src/modules/mpi/find-candidates.ts';
import { CANDIDATE_BUDGET, contentHashOf, upsertRecord } from '../../packages/server/src/modules/mpi/mpi-records.ts';
import { benchLogger } from '../fhir-store/bench-main.ts';
import { DATASET_NAMES, MPI_DEV_DIR } from './datasets.ts';
import { readDevDataset, readTruth } from './engine-eval-data.ts';

const TENANT = 'mpi-lookup-recall';
const log = benchLogger('mpi-lookup-recall');

type BudgetResult = {
  budget: number;
  foundPairs: number;
  candidatesMean: number;
  candidatesP99: number;
  candidatesMax: number;
  keysOverBudget: number;
};

type DatasetRecall = { dataset: string; records: number; truePairs: number; budgets: BudgetResult[] };

async function measureDataset(db: Database, name: string, budgets: readonly number[]): Promise<DatasetRecall> {
  const dir = path.join(MPI_DEV_DIR, name);
  const { patients } = readDevDataset(dir);
  const truth = readTruth(dir);
  const tenantId = `${TENANT}-${name.replace(/[^a-z0-9]+/g, '-')}`;
  await ensureTenant(db, { id: tenantId, name });
  const filedByEntity = new Map<string, string[]>();
  const counts = budgets.map(() => [] as number[]);
  const found = budgets.map(() => 0);
  const overBudget = budgets.map(() => 0);
  let truePairs = 0;
  for (const patient of patients) {
    const id = patient.id ?? '';
    const entity = truth.get(id) ?? id;
    const record = toMatchRecord(patient);
    const keys = blockingKeys(record);
    const earlier = filedByEntity.get(entity) ?? [];
    truePairs += earlier.length;
    for (const [index, budget] of budgets.entries()) {
      const lookup = await findCandidates(db, { tenantId, patientId: id, keys, candidateBudget: budget });
      const ids = new Set(lookup.candidates.map((candidate) => candidate.id));
      counts[index]?.push(ids.size);
      found[index] = (found[index] ?? 0) + earlier.filter((other) => ids.has(other)).length;
      overBudget[index] = (overBudget[index] ?? 0) + lookup.keysOverBudget;
    }
    await upsertRecord(db, {
      tenantId,
      record,
      blockKeys: keys,
      previousKeys: [],
      contentHash: contentHashOf(record, patient),
      now: new Date(),
    });
    filedByEntity.set(entity, [...earlier, id]);
  }
  return {
    dataset: name,
    records: patients.length,
    truePairs,
    budgets: budgets.map((budget, index) => {
      const sorted = [...(counts[index] ?? [])].sort((a, b) => a - b);
      return {
        budget,
        foundPairs: found[index] ?? 0,
        candidatesMean:
          Math.round((sorted.reduce((sum, count) => sum + count, 0) / Math.max(1, sorted.length)) * 10) / 10,
        candidatesP99: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0,
        candidatesMax: sorted.at(-1) ?? 0,
        keysOverBudget: overBudget[index] ?? 0,
      };
    }),
  };
}

function render(results: readonly DatasetRecall[]): string {
  const lines = [
    '| data set | records | true pairs | budget | pairs found | blocking recall | candidates mean / p99 / max | keys over budget |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    for (const budget of result.budgets) {
      const recall = result.truePairs === 0 ? 1 : budget.foundPairs / result.truePairs;
      lines.push(
        `| ${result.dataset} | ${result.records} | ${result.truePairs} | ${budget.budget.toLocaleString('en-US')} | ${budget.foundPairs} | ${recall.toFixed(4)} | ${budget.candidatesMean} / ${budget.candidatesP99} / ${budget.candidatesMax} | ${budget.keysOverBudget} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string', default: DATASET_NAMES.join(',') },
      budgets: { type: 'string', default: [CANDIDATE_BUDGET, 50, 200, 1_000_000].join(',') },
    },
  });
  const budgets = values.budgets.split(',').map(Number);
  if (budgets.some((budget) => !(Number.isInteger(budget) && budget > 0))) {
    process.stderr.write('usage: node bench/mpi/lookup-recall.ts [--datasets a,b] [--budgets 100,50,…]\n');
    process.exitCode = 2;
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'caregraph-bench-lookup-recall-'));
  const db = await openDatabase({ databaseUrl: undefined, dataDir, databasePoolSize: 1 });
  try {
    await migrate(db);
    const results: DatasetRecall[] = [];
    for (const name of values.datasets.split(',')) {
      log(`${name}: looking up and filing each record`);
      results.push(await measureDataset(db, name, budgets));
    }
    process.stdout.write(render(results));
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
