import type { Queryable } from '../../platform/db/index.ts';
import { applyClusters } from './apply-clusters.ts';
import { loadDecisionsAmong, pairKey, type StoredDecision } from './decisions.ts';
import { candidatePairs, scorePair, type MatchModel, type PairScore } from './engine/index.ts';
import type { PendingWrites, StoreContext } from './fhir-store.ts';
import { loadRecords } from './mpi-records.ts';
import {
  addMembers,
  clusterNeighbourhood,
  lockAndLoadMembers,
  scoreAllPairs,
  type NeighbourRecord,
} from './neighbourhood.ts';

/** Patients joined by links (a connected group), sorted by id. */
export type Component = string[];

/** Groups up to this size are scored all against all; larger ones by the engine's blocking. */
const ALL_PAIRS_LIMIT = 60;

/**
 * The groups of patients a run's links join: pairs at or above the upper threshold, reviewers'
 * links and merges, by union-find. Only within one group can records end up in one golden record,
 * so each is clustered on its own. Sorted by their first id, so a resumed run sees the same list.
 */
export async function findComponents(
  q: Queryable,
  options: { tenantId: string; runId: string; model: MatchModel },
): Promise<Component[]> {
  const { tenantId, runId, model } = options;
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root && parent.has(root)) {
      root = parent.get(root) ?? root;
    }
    let node = id;
    while (node !== root) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const join = (a: string, b: string) => {
    for (const id of [a, b]) {
      if (!parent.has(id)) {
        parent.set(id, id);
      }
    }
    const [x, y] = [find(a), find(b)];
    if (x !== y) {
      parent.set(x < y ? y : x, x < y ? x : y);
    }
  };
  const links = await q.query<{ a: string; b: string }>(
    `SELECT patient_a AS a, patient_b AS b FROM mpi_dedupe_pair WHERE tenant_id = $1 AND run_id = $2 AND probability >= $3
     UNION ALL
     SELECT d.patient_a, d.patient_b FROM mpi_decision d
     WHERE d.tenant_id = $1 AND d.decision = 'link'
       AND EXISTS (SELECT 1 FROM mpi_record r WHERE r.tenant_id = $1 AND r.patient_id = d.patient_a)
       AND EXISTS (SELECT 1 FROM mpi_record r WHERE r.tenant_id = $1 AND r.patient_id = d.patient_b)
     UNION ALL
     SELECT patient_id, merged_into FROM mpi_record WHERE tenant_id = $1 AND merged_into IS NOT NULL`,
    [tenantId, runId, model.thresholds.upper],
  );
  links.rows.forEach((link) => join(link.a, link.b));
  const groups = new Map<string, string[]>();
  for (const id of parent.keys()) {
    const root = find(id);
    groups.set(root, [...(groups.get(root) ?? []), id]);
  }
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
}

function unitPairs(
  model: MatchModel,
  records: Map<string, NeighbourRecord>,
): Map<string, { a: string; b: string; score: PairScore }> {
  if (records.size <= ALL_PAIRS_LIMIT) {
    return scoreAllPairs(model, records, new Map());
  }
  const pairs = new Map<string, { a: string; b: string; score: PairScore }>();
  for (const [a, b] of candidatePairs([...records.values()].map((stored) => stored.record)).pairs) {
    const left = records.get(a);
    const right = records.get(b);
    if (left && right) {
      pairs.set(pairKey(a, b), { a, b, score: scorePair(model, left.record, right.record) });
    }
  }
  return pairs;
}

type StoredRecords = Awaited<ReturnType<typeof loadRecords>>;

/** Records and decisions of many units read in two statements, before any of them is applied. */
export type UnitPrefetch = { records: StoredRecords; decisions: StoredDecision[] };

/** Reads the records and the decisions among the patients of `units` at once. */
export async function prefetchUnits(ctx: StoreContext, units: readonly Component[]): Promise<UnitPrefetch> {
  const ids = units.flat();
  return {
    records: await loadRecords(ctx.tx, ctx.tenantId, ids),
    decisions: await loadDecisionsAmong(ctx.tx, ctx.tenantId, ids),
  };
}

/**
 * A unit's records: those prefetched while in no golden record (units applied before cannot have
 * changed them, as they only write memberships of their own patients and take patients out), the
 * others read again.
 */
async function unitRecordsOf(
  ctx: StoreContext,
  unit: Component,
  prefetched: UnitPrefetch | undefined,
): Promise<StoredRecords> {
  if (!prefetched) {
    return loadRecords(ctx.tx, ctx.tenantId, unit);
  }
  const fresh = unit.filter((id) => prefetched.records.get(id)?.personId === undefined);
  const reread = await loadRecords(
    ctx.tx,
    ctx.tenantId,
    unit.filter((id) => !fresh.includes(id)),
  );
  const records: StoredRecords = new Map();
  for (const id of unit) {
    const entry = reread.get(id) ?? (fresh.includes(id) ? prefetched.records.get(id) : undefined);
    if (entry) {
      records.set(id, entry);
    }
  }
  return records;
}

/**
 * Clusters one group of patients and writes its golden records. The golden records its patients
 * belong to now are locked and read whole: their other members belonging to no group are left on
 * their own; those belonging to another group are taken out, to be filed when that group is. The
 * resource writes are held in `pending`, for the caller to flush with those of other groups.
 */
export async function applyDedupeUnit(
  ctx: StoreContext,
  options: {
    model: MatchModel;
    unit: Component;
    inComponent: ReadonlyMap<string, number>;
    pending: PendingWrites;
    /** The tenant's source trust order (read once per run). */
    trust: () => Promise<readonly string[]>;
    /** What the caller read for many units at once (see `prefetchUnits`). */
    prefetched?: UnitPrefetch;
  },
): Promise<void> {
  const { model, unit, inComponent, prefetched } = options;
  const stored = await unitRecordsOf(ctx, unit, prefetched);
  const seeds = [...stored.values()].map((entry) => entry.personId).filter((id): id is string => id !== undefined);
  const members = await lockAndLoadMembers(ctx, seeds, new Map([...stored].map(([id, entry]) => [id, entry.personId])));
  const unitRecords = new Map<string, NeighbourRecord>();
  const currentPerson = new Map<string, string | undefined>();
  for (const [id, entry] of stored) {
    unitRecords.set(id, { record: entry.record, mergedInto: entry.mergedInto });
    currentPerson.set(id, entry.personId);
  }
  const everyone = new Map(unitRecords);
  addMembers(members, everyone, currentPerson);
  const pairs = unitPairs(model, unitRecords);
  // Decisions read for the units' own patients serve when no other golden-record member joined.
  const decisions =
    prefetched && everyone.size === unitRecords.size
      ? prefetched.decisions.filter((decision) => everyone.has(decision.a) && everyone.has(decision.b))
      : await loadDecisionsAmong(ctx.tx, ctx.tenantId, [...everyone.keys()]);
  const clusters = clusterNeighbourhood(model, unitRecords, pairs, decisions);
  for (const id of everyone.keys()) {
    if (!unitRecords.has(id) && !inComponent.has(id)) {
      clusters.push([id]);
    }
  }
  await applyClusters(
    ctx,
    {
      clusters,
      members: new Map(
        [...everyone].map(([id, entry]) => [id, { source: entry.record.source, mergedInto: entry.mergedInto }]),
      ),
      currentPerson,
      removed: [],
      probability: (a, b) => pairs.get(pairKey(a, b))?.score.probability,
      decisions,
      trust: options.trust,
    },
    options.pending,
  );
}
