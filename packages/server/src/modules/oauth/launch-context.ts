// SMART launch context: the patient (and encounter) an app is launched with. An EHR launch
// creates a `launch` value first; a grant keeps the context chosen at authorization.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/index.ts';

export type LaunchContext = { tenantId: string; patientId: string | undefined; encounterId: string | undefined };

/** How long an EHR launch value may wait for its app's authorization request. */
export const LAUNCH_TTL_MS = 10 * 60_000;

type ContextRow = { tenant_id: string; patient_id: string | null; encounter_id: string | null };

const toContext = (row: ContextRow): LaunchContext => ({
  tenantId: row.tenant_id,
  patientId: row.patient_id ?? undefined,
  encounterId: row.encounter_id ?? undefined,
});

/** Creates an EHR launch: the opaque `launch` value the EHR passes to the app. */
export async function createLaunch(
  q: Queryable,
  options: { tenantId: string; patientId?: string | undefined; encounterId?: string | undefined; now: Date },
): Promise<string> {
  const id = randomBytes(18).toString('base64url');
  await q.query(
    'INSERT INTO oauth_launch (id, tenant_id, patient_id, encounter_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [
      id,
      options.tenantId,
      options.patientId ?? null,
      options.encounterId ?? null,
      new Date(options.now.getTime() + LAUNCH_TTL_MS),
    ],
  );
  return id;
}

export async function tryReadLaunch(q: Queryable, launch: string): Promise<LaunchContext | undefined> {
  const { rows } = await q.query<ContextRow>(
    'SELECT tenant_id, patient_id, encounter_id FROM oauth_launch WHERE id = $1 AND expires_at > now()',
    [launch],
  );
  return rows[0] && toContext(rows[0]);
}

/** Binds a launch context to a grant, for every token issued from it (refreshes included). */
export async function saveGrantContext(
  q: Queryable,
  grantId: string,
  context: LaunchContext & { expiresAt: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO oauth_grant_context (grant_id, tenant_id, patient_id, encounter_id, expires_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (grant_id) DO UPDATE SET tenant_id = excluded.tenant_id, patient_id = excluded.patient_id,
       encounter_id = excluded.encounter_id, expires_at = excluded.expires_at`,
    [grantId, context.tenantId, context.patientId ?? null, context.encounterId ?? null, context.expiresAt],
  );
}

export async function tryReadGrantContext(q: Queryable, grantId: string): Promise<LaunchContext | undefined> {
  const { rows } = await q.query<ContextRow>(
    'SELECT tenant_id, patient_id, encounter_id FROM oauth_grant_context WHERE grant_id = $1',
    [grantId],
  );
  return rows[0] && toContext(rows[0]);
}
