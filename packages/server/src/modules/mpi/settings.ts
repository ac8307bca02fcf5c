import type { MpiSettings } from '@caregraph/core/domain';
import type { Queryable } from '../../platform/db/index.ts';

/** The tenant's master patient index settings (defaults when it never set any). */
export async function readSettings(q: Queryable, tenantId: string): Promise<MpiSettings> {
  const { rows } = await q.query<{ source_trust: string[] }>(
    'SELECT source_trust FROM mpi_setting WHERE tenant_id = $1',
    [tenantId],
    { name: 'mpi-settings', genericPlan: true },
  );
  return { sourceTrust: rows[0]?.source_trust ?? [] };
}

/** Replaces the tenant's settings. Golden records pick the new trust order up as their members change. */
export async function writeSettings(q: Queryable, tenantId: string, settings: MpiSettings): Promise<MpiSettings> {
  await q.query(
    `INSERT INTO mpi_setting (tenant_id, source_trust) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET source_trust = EXCLUDED.source_trust`,
    [tenantId, settings.sourceTrust],
  );
  return { sourceTrust: [...settings.sourceTrust] };
}
