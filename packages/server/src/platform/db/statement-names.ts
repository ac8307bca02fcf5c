import { createHash } from 'node:crypto';
import type { QueryOptions } from './database.ts';

/**
 * Query options that run generated SQL as prepared statements on PostgreSQL, each named after its
 * text (`prefix` and a hash of it): a statement text sent again then skips parsing and, once
 * PostgreSQL settles on a generic plan, planning too. Values must always be parameters, so that the
 * text identifies the statement's shape and the names stay few.
 *
 * Each name stays prepared on every pooled connection for the connection's life (node-postgres
 * cannot deallocate them), so at most `max` texts are named; texts past the cap run unnamed.
 * PGlite ignores the name.
 */
export function statementNamer(prefix: string, max: number): (sql: string) => QueryOptions {
  const names = new Map<string, string>();
  return (sql) => {
    let name = names.get(sql);
    if (name === undefined && names.size < max) {
      name = `${prefix}_${createHash('sha256').update(sql).digest('base64url').slice(0, 32)}`;
      names.set(sql, name);
    }
    return name === undefined ? {} : { name };
  };
}
