import type { AuditContext } from '../../audit/index.ts';
import type { Queryable } from '../../../platform/db/index.ts';

/** What every FHIR store operation runs with: whose data, which transaction, what time it is. */
export type StoreContext = {
  tenantId: string;
  tx: Queryable;
  /** The clock; tests freeze it. */
  now: () => Date;
  /** Who acts, from where and why: recorded with every read and write (system work when absent). */
  audit?: AuditContext;
  /** Milliseconds spent in named steps (summed), which the HTTP adapter reports as `Server-Timing`. */
  timings?: Map<string, number>;
};

/** One stored version of a resource. */
export type StoredVersion = {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource JSON including `meta.versionId`/`meta.lastUpdated`; undefined for a deletion. */
  content: Record<string, unknown> | undefined;
};
