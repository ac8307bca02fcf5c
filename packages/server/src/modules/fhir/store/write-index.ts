import type { Queryable } from '../../../platform/db/index.ts';
import type { IndexRows } from '../search/index-values.ts';

const INDEX_TABLES = [
  'search_token',
  'search_string',
  'search_reference',
  'search_date',
  'search_number',
  'search_uri',
  'search_composite',
  'search_text',
];

/**
 * Removes every search-index row of a resource (before re-indexing a new version, or on delete).
 * Data-modifying CTEs run even when unreferenced, so six deletes cost one round trip.
 *
 * The rows are found through each table's owner index (led by resource_id). Tenant and type are compared as
 * expressions no index serves, so the planner cannot take a value index led by (tenant_id,
 * resource_type) instead: with statistics that predate a tenant's rows (a tenant just filled) it
 * estimates that prefix at one row and would read all of the tenant's rows of the type per delete.
 */
export async function deleteIndexRows(tx: Queryable, tenantId: string, resourceType: string, id: string) {
  const deletes = INDEX_TABLES.map((table, index) =>
    // search_text has one row per resource and its primary key is exactly (tenant, type, id).
    table === 'search_text'
      ? `d${index} AS (DELETE FROM ${table} WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3)`
      : `d${index} AS (DELETE FROM ${table} WHERE resource_id = $3 AND (tenant_id || '') = $1 AND (resource_type || '') = $2)`,
  );
  await tx.query(`WITH ${deletes.join(', ')} SELECT 1`, [tenantId, resourceType, id]);
}

type TableSpec = { table: string; columns: string[]; casts: string[]; values: (rows: IndexRows) => unknown[][] };

const TABLE_SPECS: TableSpec[] = [
  {
    table: 'search_token',
    columns: ['code', 'system', 'value', 'text_value'],
    casts: ['text', 'text', 'text', 'text'],
    values: (rows) => [
      rows.token.map((r) => r.code),
      rows.token.map((r) => r.system),
      rows.token.map((r) => r.value),
      rows.token.map((r) => r.text),
    ],
  },
  {
    table: 'search_string',
    columns: ['code', 'value', 'exact_value'],
    casts: ['text', 'text', 'text'],
    values: (rows) => [
      rows.string.map((r) => r.code),
      rows.string.map((r) => r.value),
      rows.string.map((r) => r.exact),
    ],
  },
  {
    table: 'search_reference',
    columns: ['code', 'target_type', 'target_id', 'target'],
    casts: ['text', 'text', 'text', 'text'],
    values: (rows) => [
      rows.reference.map((r) => r.code),
      rows.reference.map((r) => r.targetType),
      rows.reference.map((r) => r.targetId),
      rows.reference.map((r) => r.target),
    ],
  },
  {
    table: 'search_date',
    columns: ['code', 'low', 'high'],
    casts: ['text', 'timestamptz', 'timestamptz'],
    values: (rows) => [rows.date.map((r) => r.code), rows.date.map((r) => r.low), rows.date.map((r) => r.high)],
  },
  {
    table: 'search_number',
    columns: ['code', 'value', 'system', 'unit'],
    casts: ['text', 'numeric', 'text', 'text'],
    values: (rows) => [
      rows.number.map((r) => r.code),
      rows.number.map((r) => r.value),
      rows.number.map((r) => r.system),
      rows.number.map((r) => r.unit),
    ],
  },
  {
    table: 'search_uri',
    columns: ['code', 'value'],
    casts: ['text', 'text'],
    values: (rows) => [rows.uri.map((r) => r.code), rows.uri.map((r) => r.value)],
  },
  {
    table: 'search_composite',
    columns: ['code', 'grp', 'component', 'system', 'value', 'number', 'unit', 'low', 'high'],
    casts: ['text', 'int', 'smallint', 'text', 'text', 'numeric', 'text', 'timestamptz', 'timestamptz'],
    values: (rows) => [
      rows.composite.map((r) => r.code),
      rows.composite.map((r) => r.group),
      rows.composite.map((r) => r.component),
      rows.composite.map((r) => r.system),
      rows.composite.map((r) => r.value),
      rows.composite.map((r) => r.number),
      rows.composite.map((r) => r.unit),
      rows.composite.map((r) => r.low),
      rows.composite.map((r) => r.high),
    ],
  },
];

/** Full-text words, stemmed with the English configuration (clinical text is English here). */
function textInsert(rows: IndexRows, params: unknown[]): string | undefined {
  if (!rows.text) {
    return undefined;
  }
  params.push(rows.text.narrative, rows.text.content);
  return `INSERT INTO search_text (tenant_id, resource_type, resource_id, narrative, content)
       VALUES ($1, $2, $3, to_tsvector('english', $${params.length - 1}::text), to_tsvector('english', $${params.length}::text))`;
}

/** Inserts the index rows of one resource version in a single statement (one round trip). */
export async function insertIndexRows(
  tx: Queryable,
  tenantId: string,
  resourceType: string,
  id: string,
  rows: IndexRows,
): Promise<void> {
  const params: unknown[] = [tenantId, resourceType, id];
  const inserts: string[] = [];
  for (const spec of TABLE_SPECS) {
    const columns = spec.values(rows);
    if ((columns[0]?.length ?? 0) === 0) {
      continue;
    }
    const placeholders = columns.map((column, index) => {
      params.push(column);
      return `$${params.length}::${spec.casts[index]}[]`;
    });
    inserts.push(
      `i${inserts.length} AS (INSERT INTO ${spec.table} (tenant_id, resource_type, resource_id, ${spec.columns.join(', ')})
       SELECT $1, $2, $3, * FROM unnest(${placeholders.join(', ')}))`,
    );
  }
  const text = textInsert(rows, params);
  if (text) {
    inserts.push(`i${inserts.length} AS (${text})`);
  }
  if (inserts.length > 0) {
    await tx.query(`WITH ${inserts.join(', ')} SELECT 1`, params);
  }
}

/** Removes every search-index row of several resources in one statement (see `deleteIndexRows`). */
export async function deleteIndexRowsOfMany(
  tx: Queryable,
  tenantId: string,
  resources: ReadonlyArray<{ resourceType: string; id: string }>,
): Promise<void> {
  if (resources.length === 0) {
    return;
  }
  // Found through each table's owner index, as in `deleteIndexRows`; the pairs filter what it finds.
  // search_text's primary key is exactly (tenant, type, id).
  const deletes = INDEX_TABLES.map((table, index) =>
    table === 'search_text'
      ? `d${index} AS (DELETE FROM ${table} WHERE tenant_id = $1 AND resource_type = ANY($4::text[])
           AND resource_id = ANY($2::text[]) AND (resource_type || '/' || resource_id) = ANY($3::text[]))`
      : `d${index} AS (DELETE FROM ${table} WHERE resource_id = ANY($2::text[]) AND (tenant_id || '') = $1
           AND ((resource_type || '') || '/' || resource_id) = ANY($3::text[]))`,
  );
  await tx.query(`WITH ${deletes.join(', ')} SELECT 1`, [
    tenantId,
    [...new Set(resources.map((resource) => resource.id))],
    resources.map((resource) => `${resource.resourceType}/${resource.id}`),
    [...new Set(resources.map((resource) => resource.resourceType))],
  ]);
}

/** Inserts the index rows of several resources in a single statement. */
export async function insertIndexRowsOfMany(
  tx: Queryable,
  tenantId: string,
  resources: ReadonlyArray<{ resourceType: string; id: string; rows: IndexRows }>,
): Promise<void> {
  const params: unknown[] = [tenantId];
  const inserts: string[] = [];
  for (const spec of TABLE_SPECS) {
    const types: string[] = [];
    const ids: string[] = [];
    const columns: unknown[][] = spec.columns.map(() => []);
    for (const { resourceType, id, rows } of resources) {
      const values = spec.values(rows);
      const count = values[0]?.length ?? 0;
      for (let row = 0; row < count; row++) {
        types.push(resourceType);
        ids.push(id);
        values.forEach((column, index) => columns[index]?.push(column[row]));
      }
    }
    if (ids.length === 0) {
      continue;
    }
    params.push(types, ids);
    const keyParams = `$${params.length - 1}::text[], $${params.length}::text[]`;
    const placeholders = columns.map((column, index) => {
      params.push(column);
      return `$${params.length}::${spec.casts[index]}[]`;
    });
    inserts.push(
      `i${inserts.length} AS (INSERT INTO ${spec.table} (tenant_id, resource_type, resource_id, ${spec.columns.join(', ')})
       SELECT $1, * FROM unnest(${keyParams}, ${placeholders.join(', ')}))`,
    );
  }
  const texts = resources.filter((resource) => resource.rows.text !== undefined);
  if (texts.length > 0) {
    params.push(
      texts.map((resource) => resource.resourceType),
      texts.map((resource) => resource.id),
      texts.map((resource) => resource.rows.text?.narrative ?? ''),
      texts.map((resource) => resource.rows.text?.content ?? ''),
    );
    const at = params.length;
    inserts.push(
      `i${inserts.length} AS (INSERT INTO search_text (tenant_id, resource_type, resource_id, narrative, content)
       SELECT $1, resource_type, id, to_tsvector('english', narrative), to_tsvector('english', content)
       FROM unnest($${at - 3}::text[], $${at - 2}::text[], $${at - 1}::text[], $${at}::text[])
         AS t(resource_type, id, narrative, content))`,
    );
  }
  if (inserts.length > 0) {
    await tx.query(`WITH ${inserts.join(', ')} SELECT 1`, params);
  }
}
