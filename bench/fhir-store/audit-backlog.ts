// A dataset loaded by a benchmark process (not through a running server) leaves its audit entries
// outside the tree: a running server's publisher would have integrated them as the data arrived.
import type { Database } from '../../packages/server/src/index.ts';
import { integrateAll, loadSigningKey } from '../../packages/server/src/modules/audit/index.ts';

/** What settling the backlog took: entries put in the tree, and seconds including the vacuum. */
export type AuditBacklog = { entries: number; seconds: number };

/**
 * Puts every pending audit entry in the tree, signed with the key in `dataDir` (the one the
 * benchmarked server then uses), and vacuums the tables that grew. Left to the server, the backlog
 * (about one entry per version written: 1.3M for the search benchmark's 1M resources) would be
 * integrated during the measurement, which would then time requests against that integration.
 */
export async function settleAuditBacklog(
  db: Database,
  options: { dataDir: string; log: (message: string) => void },
): Promise<AuditBacklog> {
  const started = performance.now();
  const { integrated } = await integrateAll(db, {
    getKey: () => loadSigningKey({ keyFile: undefined, dataDir: options.dataDir }),
    wait: true,
  });
  await db.query('VACUUM (ANALYZE) audit_entry, audit_leaf, audit_node, resource_history');
  const seconds = (performance.now() - started) / 1000;
  options.log(
    `audit backlog: ${integrated.toLocaleString('en-US')} entries integrated, then vacuumed, in ${seconds.toFixed(1)} s`,
  );
  return { entries: integrated, seconds: Math.round(seconds * 10) / 10 };
}
