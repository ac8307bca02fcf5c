import type { OperationOutcome, Resource } from '@caregraph/core/fhir';
import type { FhirAccessGuard } from '../../access/index.ts';
import type { AuditContext } from '../../audit/index.ts';
import { retryTransientConflicts, type Database, type Queryable } from '../../../platform/db/index.ts';
import type { StoreContext } from '../store/context.ts';

/** Where FHIR interactions run: one tenant's data, optionally inside an open transaction. */
export type FhirRepo = {
  db: Database;
  tenantId: string;
  /** The FHIR base URL without a trailing slash, e.g. `http://127.0.0.1:8080/fhir/R4`. */
  baseUrl: string;
  now: () => Date;
  /** Set while processing a transaction Bundle: every entry runs in it. */
  tx?: Queryable;
  /** Who acts, from where and why, for the audit trail; absent for system work (imports, start-up). */
  audit?: AuditContext;
  /** Collects the durations of named steps (StoreContext.timings) for the `Server-Timing` header. */
  timings?: Map<string, number>;
  /** The caller's authorisation (modules/access): checks each request, bundle entries included, and filters searches in SQL. Absent for system work. */
  access?: FhirAccessGuard;
};

/** What a client asked for, independent of HTTP framework. */
export type FhirRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** The path after the FHIR base, without leading slash: `Patient/1/_history/2`. */
  path: string;
  query: Array<[string, string]>;
  body?: unknown;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
  /** `Prefer: return=…`. */
  preferReturn?: 'minimal' | 'representation' | 'OperationOutcome';
  /** `Prefer: handling=lenient`. */
  lenient?: boolean;
};

/** What to answer: a status, an optional body (a resource, or JSON text read straight from the database). */
export type FhirResponse = {
  status: number;
  /** The resource the interaction produced or read; its JSON text when it came straight from storage. */
  body?: Resource | string;
  /** The outcome, for `Prefer: return=OperationOutcome` and bundle entries. */
  outcome?: OperationOutcome;
  versionId?: number;
  lastUpdated?: Date;
  /** Relative location `Type/id/_history/v` of a created or updated resource. */
  location?: string;
};

/**
 * Runs `work` in the repo's open transaction, or in a new one. A transaction of its own that PostgreSQL
 * ends to resolve a deadlock or a serialisation conflict is run again (see transient-conflict.ts):
 * concurrent Patient writes lock the patient index's keys and golden records, and two that meet in a
 * different order are a deadlock, not an error to show the client. Nothing of the ended attempt was
 * stored, its audit entry included.
 */
export function inTransaction<T>(repo: FhirRepo, work: (ctx: StoreContext) => Promise<T>): Promise<T> {
  const optional = {
    ...(repo.audit ? { audit: repo.audit } : {}),
    ...(repo.timings ? { timings: repo.timings } : {}),
  };
  if (repo.tx) {
    return work({ tenantId: repo.tenantId, tx: repo.tx, now: repo.now, ...optional });
  }
  return retryTransientConflicts(() =>
    repo.db.transaction((tx) => work({ tenantId: repo.tenantId, tx, now: repo.now, ...optional })),
  );
}

/** A context for reads: the open transaction if any, else the database itself. */
export function readContext(repo: FhirRepo): StoreContext {
  return {
    tenantId: repo.tenantId,
    tx: repo.tx ?? repo.db,
    now: repo.now,
    ...(repo.audit ? { audit: repo.audit } : {}),
    ...(repo.timings ? { timings: repo.timings } : {}),
  };
}
