import { isGenericPlanSize, type Queryable } from '../../../platform/db/index.ts';
import { statementNamer } from '../../../platform/db/statement-names.ts';
import { referencedPatient, type IndexRows } from '../search/index-values.ts';

type TableSpec = {
  table: string;
  columns: string[];
  casts: string[];
  values: (rows: IndexRows, resourceType: string) => unknown[][];
};

const TABLE_SPECS: TableSpec[] = [
  {
    table: 'search_token',
    columns: ['code', 'system', 'value', 'text_value', 'referenced_patient'],
    casts: ['text', 'text', 'text', 'text', 'text'],
    values: (rows, resourceType) => {
      const patient = referencedPatient(resourceType, rows);
      return [
        rows.token.map((r) => r.code),
        rows.token.map((r) => r.system),
        rows.token.map((r) => r.value),
        rows.token.map((r) => r.text),
        rows.token.map(() => patient),
      ];
    },
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

/**
 * The sync statement's text differs by which tables a write touches and how (rows of new resources,
 * of stored ones, or only deletions): many shapes in principle, few in practice, as each resource
 * type fills the same tables. The first ones seen are prepared; any past the cap run unprepared.
 */
const syncStatement = statementNamer('fhir_index_sync', 256);

/** How many index rows the resources have in all, for the choice of plan. */
function indexRowCount(resources: readonly IndexedResource[]): number {
  let count = 0;
  for (const { rows } of resources) {
    if (rows) {
      count += rows.token.length + rows.string.length + rows.reference.length + rows.date.length;
      count += rows.number.length + rows.uri.length + rows.composite.length + 1;
    }
  }
  return count;
}

/** A resource whose index rows are synced: its new rows (undefined once deleted), and whether it had rows before. */
export type IndexedResource = {
  resourceType: string;
  id: string;
  rows: IndexRows | undefined;
  /** False for a resource never stored before: it has no rows to compare with or remove. */
  hadVersion: boolean;
};

/** Appends a parameter and returns its placeholder with a cast. */
function bind(params: unknown[], value: unknown, cast: string): string {
  params.push(value);
  return `$${params.length}::${cast}`;
}

/** One table's rows of some resources as parameter arrays: type, id, then the table's columns. */
function bindRows(spec: TableSpec, resources: readonly IndexedResource[], params: unknown[]): string[] | undefined {
  const types: string[] = [];
  const ids: string[] = [];
  const columns: unknown[][] = spec.columns.map(() => []);
  for (const resource of resources) {
    const values = resource.rows ? spec.values(resource.rows, resource.resourceType) : [];
    const count = values[0]?.length ?? 0;
    for (let row = 0; row < count; row++) {
      types.push(resource.resourceType);
      ids.push(resource.id);
      values.forEach((column, at) => columns[at]?.push(column[row]));
    }
  }
  if (ids.length === 0) {
    return undefined;
  }
  return [
    bind(params, types, 'text[]'),
    bind(params, ids, 'text[]'),
    ...columns.map((column, at) => bind(params, column, `${spec.casts[at]}[]`)),
  ];
}

/**
 * The statement parts that bring one index table to the new rows. A new resource's rows are inserted
 * (`f`). For resources stored before, `e` reads their rows through the owner index (led by resource_id;
 * the tenant and type are compared as expressions no value index serves), `n` lists their new rows,
 * `a` inserts the new rows not among the existing ones and `s` deletes, by row address, the existing
 * rows not among the new ones. Rows that stay the same are neither deleted nor inserted. Every
 * comparison is between those few rows: nothing probes the table per row, whose plan would depend on
 * its statistics.
 */
function syncTable(
  spec: TableSpec,
  index: number,
  resources: readonly IndexedResource[],
  replaced: { ids: string; keys: string } | undefined,
  params: unknown[],
): string[] {
  const columns = spec.columns.join(', ');
  const into = `INSERT INTO ${spec.table} (tenant_id, resource_type, resource_id, ${columns})`;
  const parts: string[] = [];
  const fresh = bindRows(
    spec,
    resources.filter((resource) => !resource.hadVersion),
    params,
  );
  if (fresh) {
    parts.push(`f${index} AS (${into} SELECT $1, * FROM unnest(${fresh.join(', ')}))`);
  }
  if (!replaced) {
    return parts;
  }
  const owned = `resource_id = ANY(${replaced.ids}) AND (tenant_id || '') = $1
       AND ((resource_type || '') || '/' || resource_id) = ANY(${replaced.keys})`;
  const kept = bindRows(
    spec,
    resources.filter((resource) => resource.hadVersion),
    params,
  );
  if (!kept) {
    return [...parts, `s${index} AS (DELETE FROM ${spec.table} WHERE ${owned})`];
  }
  // As text, a row compares its NULLs as equal and hashes: one pass over each side, not one per pair.
  const rowKey = (alias: string) =>
    `ROW(${['resource_type', 'resource_id', ...spec.columns].map((column) => `${alias}.${column}`).join(', ')})::text`;
  return [
    ...parts,
    `e${index} AS MATERIALIZED (SELECT ctid AS row_at, resource_type, resource_id, ${columns} FROM ${spec.table} WHERE ${owned})`,
    `n${index} (resource_type, resource_id, ${columns}) AS MATERIALIZED (SELECT * FROM unnest(${kept.join(', ')}))`,
    `a${index} AS (${into} SELECT $1, * FROM (
       SELECT resource_type, resource_id, ${columns} FROM n${index}
       EXCEPT ALL SELECT resource_type, resource_id, ${columns} FROM e${index}) added)`,
    `s${index} AS (DELETE FROM ${spec.table} WHERE ctid = ANY(ARRAY(
       SELECT e.row_at FROM e${index} e WHERE NOT EXISTS (SELECT 1 FROM n${index} n WHERE ${rowKey('n')} = ${rowKey('e')}))))`,
  ];
}

/**
 * Full-text words, stemmed with the English configuration (clinical text is English here): one row per
 * resource, rewritten only when its words changed, removed when the resource no longer has any.
 */
function syncText(resources: readonly IndexedResource[], params: unknown[]): string[] {
  const parts: string[] = [];
  const list = (of: readonly IndexedResource[], pick: (resource: IndexedResource) => string) =>
    bind(params, of.map(pick), 'text[]');
  const texts = resources.filter((resource) => resource.rows?.text !== undefined);
  if (texts.length > 0) {
    const columns = [
      list(texts, (resource) => resource.resourceType),
      list(texts, (resource) => resource.id),
      list(texts, (resource) => resource.rows?.text?.narrative ?? ''),
      list(texts, (resource) => resource.rows?.text?.content ?? ''),
    ];
    parts.push(
      `tu AS (INSERT INTO search_text (tenant_id, resource_type, resource_id, narrative, content)
       SELECT $1, resource_type, id, to_tsvector('english', narrative), to_tsvector('english', content)
       FROM unnest(${columns.join(', ')}) AS t(resource_type, id, narrative, content)
       ON CONFLICT (tenant_id, resource_type, resource_id) DO UPDATE
         SET narrative = EXCLUDED.narrative, content = EXCLUDED.content
         WHERE search_text.narrative IS DISTINCT FROM EXCLUDED.narrative
            OR search_text.content IS DISTINCT FROM EXCLUDED.content)`,
    );
  }
  const textless = resources.filter((resource) => resource.hadVersion && resource.rows?.text === undefined);
  if (textless.length > 0) {
    // search_text's primary key is exactly (tenant, type, id).
    const types = bind(params, [...new Set(textless.map((resource) => resource.resourceType))], 'text[]');
    const ids = list(textless, (resource) => resource.id);
    const keys = list(textless, (resource) => `${resource.resourceType}/${resource.id}`);
    parts.push(
      `td AS (DELETE FROM search_text WHERE tenant_id = $1 AND resource_type = ANY(${types})
         AND resource_id = ANY(${ids}) AND (resource_type || '/' || resource_id) = ANY(${keys}))`,
    );
  }
  return parts;
}

/**
 * Brings the search index of several resource versions up to date in one statement (one round trip):
 * a new resource's rows are inserted; for one stored before, only the rows that changed are deleted or
 * inserted, so an update that leaves most searchable values alone (a Patient's new link, an
 * Observation's new status) rewrites a few rows instead of every row and each of their index entries.
 * The comparison is with the rows in the table, not with what the previous version would yield, so
 * rows a former version of the extraction wrote are removed too. Each resource appears at most once.
 */
export async function syncIndexRows(
  tx: Queryable,
  tenantId: string,
  resources: readonly IndexedResource[],
): Promise<void> {
  if (resources.length === 0) {
    return;
  }
  const params: unknown[] = [tenantId];
  const previous = resources.filter((resource) => resource.hadVersion);
  const replaced =
    previous.length === 0
      ? undefined
      : {
          ids: bind(params, [...new Set(previous.map((resource) => resource.id))], 'text[]'),
          keys: bind(
            params,
            previous.map((resource) => `${resource.resourceType}/${resource.id}`),
            'text[]',
          ),
        };
  const parts = [
    ...TABLE_SPECS.flatMap((spec, index) => syncTable(spec, index, resources, replaced, params)),
    ...syncText(resources, params),
  ];
  if (parts.length > 0) {
    const sql = `WITH ${parts.join(',\n')} SELECT 1`;
    await tx.query(sql, params, { ...syncStatement(sql), genericPlan: isGenericPlanSize(indexRowCount(resources)) });
  }
}
