import type { ModelVersion } from '@caregraph/core/domain';
import type { Queryable } from '../../platform/db/index.ts';
import { defaultModel, type MatchModel } from './engine/index.ts';

/**
 * Parsed models by tenant, version and training time. A stored version never changes, so an entry
 * is valid for as long as that version is the active one; each match reads only which version is
 * active (one index probe), and parses a model's JSON (term-frequency tables included) once.
 */
const parsedModels = new Map<string, MatchModel>();
const MAX_CACHED_MODELS = 64;

let builtIn: MatchModel | undefined;

/** The engine's default model, used by a tenant that never trained one. */
export function builtInModel(): MatchModel {
  builtIn ??= defaultModel();
  return builtIn;
}

/** Which stored version is a tenant's active model; undefined when it never trained one. */
export type ActiveModelRef = { version: number; trainedAt: Date } | undefined;

/** The tenant's active model, else the built-in default. */
export async function loadActiveModel(q: Queryable, tenantId: string): Promise<MatchModel> {
  const { rows } = await q.query<{ version: number; trained_at: Date }>(
    'SELECT version, trained_at FROM mpi_model WHERE tenant_id = $1 AND active',
    [tenantId],
    { name: 'mpi-active-model', genericPlan: true },
  );
  const row = rows[0];
  return resolveModel(q, tenantId, row ? { version: row.version, trainedAt: new Date(row.trained_at) } : undefined);
}

/**
 * The model a reference names, parsed once per process and version (the candidate lookup reads the
 * reference beside the candidates, so a match reads a model's JSON only the first time).
 */
export async function resolveModel(q: Queryable, tenantId: string, active: ActiveModelRef): Promise<MatchModel> {
  return active ? loadModelVersion(q, tenantId, active.version, active.trainedAt) : builtInModel();
}

async function loadModelVersion(q: Queryable, tenantId: string, version: number, trainedAt: Date): Promise<MatchModel> {
  const key = `${tenantId}\u0000${version}\u0000${trainedAt.toISOString()}`;
  const cached = parsedModels.get(key);
  if (cached) {
    return cached;
  }
  const { rows } = await q.query<{ model: MatchModel }>(
    'SELECT model FROM mpi_model WHERE tenant_id = $1 AND version = $2',
    [tenantId, version],
  );
  const model = rows[0]?.model;
  if (!model) {
    throw new Error(`mpi_model ${version} of tenant ${tenantId} disappeared`);
  }
  if (parsedModels.size >= MAX_CACHED_MODELS) {
    parsedModels.clear();
  }
  parsedModels.set(key, model);
  return model;
}

/** One stored version, or the built-in default for version 0. */
export async function tryLoadModel(q: Queryable, tenantId: string, version: number): Promise<MatchModel | undefined> {
  if (version === 0) {
    return builtInModel();
  }
  const { rows } = await q.query<{ trained_at: Date }>(
    'SELECT trained_at FROM mpi_model WHERE tenant_id = $1 AND version = $2',
    [tenantId, version],
  );
  return rows[0] ? loadModelVersion(q, tenantId, version, new Date(rows[0].trained_at)) : undefined;
}

/** Stores a newly trained model as the next version and makes it the active one. */
export async function saveActiveModel(q: Queryable, tenantId: string, model: MatchModel): Promise<ModelVersion> {
  // The tenant's row lock on its newest version would not stop two first trainings; an advisory
  // lock serialises version numbering per tenant.
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('mpi-model:' || $1::text, 0))`, [tenantId]);
  const { rows } = await q.query<{ next: number }>(
    'SELECT coalesce(max(version), 0) + 1 AS next FROM mpi_model WHERE tenant_id = $1',
    [tenantId],
  );
  const version = rows[0]?.next ?? 1;
  const stored: MatchModel = { ...model, version };
  await q.query('UPDATE mpi_model SET active = false WHERE tenant_id = $1 AND active', [tenantId]);
  await q.query(
    'INSERT INTO mpi_model (tenant_id, version, model, trained_at, active) VALUES ($1, $2, $3::jsonb, $4, true)',
    [tenantId, version, JSON.stringify(stored), new Date(model.trainedAt)],
  );
  return describeModel(stored, true);
}

/** Makes a stored version the active one (rollback); undefined when the tenant has no such version. */
export async function activateModelVersion(
  q: Queryable,
  tenantId: string,
  version: number,
): Promise<ModelVersion | undefined> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('mpi-model:' || $1::text, 0))`, [tenantId]);
  const { rows } = await q.query<{ model: MatchModel }>(
    'SELECT model FROM mpi_model WHERE tenant_id = $1 AND version = $2',
    [tenantId, version],
  );
  const model = rows[0]?.model;
  if (!model) {
    return undefined;
  }
  // Two statements: the one-active-version index is checked row by row.
  await q.query('UPDATE mpi_model SET active = false WHERE tenant_id = $1 AND active', [tenantId]);
  await q.query('UPDATE mpi_model SET active = true WHERE tenant_id = $1 AND version = $2', [tenantId, version]);
  return describeModel(model, true);
}

/** Every stored version, newest first. */
export async function listModelVersions(q: Queryable, tenantId: string): Promise<ModelVersion[]> {
  const { rows } = await q.query<{ model: MatchModel; active: boolean }>(
    'SELECT model, active FROM mpi_model WHERE tenant_id = $1 ORDER BY version DESC',
    [tenantId],
  );
  return rows.map((row) => describeModel(row.model, row.active));
}

/** A model's summary for the API. */
export function describeModel(model: MatchModel, active: boolean): ModelVersion {
  const records = model.training?.records;
  return {
    version: model.version,
    trainedAt: model.trainedAt,
    active,
    thresholds: { upper: model.thresholds.upper, lower: model.thresholds.lower },
    ...(records === undefined ? {} : { records }),
  };
}
