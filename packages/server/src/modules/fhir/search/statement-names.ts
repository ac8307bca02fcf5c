import { createHash } from 'node:crypto';
import type { QueryOptions } from '../../../platform/db/database.ts';

/**
 * How many distinct search statement texts become prepared statements. Each one stays prepared on
 * every pooled connection for the connection's life (node-postgres cannot deallocate them), so the
 * number is capped; texts past the cap run unnamed, as before. Search SQL varies with the query's
 * shape (parameters, modifiers, number of values), never with its values, so a few dozen texts
 * cover an application's searches.
 */
export const MAX_NAMED_STATEMENTS = 100;

const names = new Map<string, string>();

/**
 * Query options that run a generated search statement as a prepared statement on PostgreSQL, named
 * after its text: the same search shape then skips parsing, and once PostgreSQL settles on a generic
 * plan (after five executions, when it costs no more than the custom ones), planning too, which
 * costs more than executing these index-driven queries. Values are always parameters, so the text
 * identifies the shape. PGlite ignores the name.
 */
export function searchStatement(sql: string): QueryOptions {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
    name = `fhir_search_${createHash('sha256').update(sql).digest('base64url').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name === undefined ? {} : { name };
}
