import type { Queryable } from '../../../platform/db/index.ts';

/** A tenant's rule: element `path` of `resourceType` must hold a code from value set `valueSet`. */
export type TerminologyBinding = { resourceType: string; path: string; valueSet: string };

type BindingRow = { resource_type: string; path: string; value_set_url: string };

function toBinding(row: BindingRow): TerminologyBinding {
  return { resourceType: row.resource_type, path: row.path, valueSet: row.value_set_url };
}

/** The tenant's bindings, ordered by resource type and path. One primary-key range read. */
export async function listBindings(q: Queryable, tenantId: string): Promise<TerminologyBinding[]> {
  const { rows } = await q.query<BindingRow>(
    'SELECT resource_type, path, value_set_url FROM term_binding WHERE tenant_id = $1 ORDER BY resource_type, path',
    [tenantId],
    { name: 'term-bindings-of-tenant' },
  );
  return rows.map(toBinding);
}

/** Replaces the tenant's bindings with `bindings` (already validated), in the caller's transaction. */
export async function replaceBindings(tx: Queryable, tenantId: string, bindings: TerminologyBinding[]): Promise<void> {
  await tx.query('DELETE FROM term_binding WHERE tenant_id = $1', [tenantId]);
  if (bindings.length === 0) {
    return;
  }
  await tx.query(
    `INSERT INTO term_binding (tenant_id, resource_type, path, value_set_url)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
    [
      tenantId,
      bindings.map((binding) => binding.resourceType),
      bindings.map((binding) => binding.path),
      bindings.map((binding) => binding.valueSet),
    ],
  );
}

/** Removes one binding; false when the tenant had none at that path. */
export async function deleteBinding(
  q: Queryable,
  tenantId: string,
  binding: Pick<TerminologyBinding, 'resourceType' | 'path'>,
): Promise<boolean> {
  const result = await q.query('DELETE FROM term_binding WHERE tenant_id = $1 AND resource_type = $2 AND path = $3', [
    tenantId,
    binding.resourceType,
    binding.path,
  ]);
  return result.rowCount > 0;
}
