// `GET [base]/AuditEvent?…` and `GET [base]/AuditEvent/{id}`: the FHIR router hands AuditEvent
// requests here. Only administrators and privacy officers read the audit trail, and their reading
// is itself recorded.
import type { AuditEvent as FhirAuditEvent, Bundle } from '@medplum/fhirtypes';
import { forbidden, notAllowed, notFound, OutcomeError } from '@caregraph/core/fhir';
import {
  parseAuditEventQuery,
  searchAuditEntries,
  toAuditEvent,
  toSearchBundle,
  tryReadAuditEntry,
} from './audit-events.ts';
import type { AuditAction } from './audit-entry.ts';
import { describeFailure, type AuditTarget, type FhirReadRequest } from './fhir-events.ts';
import { isDatabase, recordEvent } from './record-entry.ts';

/** The roles that may read the audit trail. */
export const AUDIT_READER_ROLES = ['admin', 'privacy-officer'];

/** Whether a FHIR path addresses AuditEvent (type, instance or `_search`). */
export function isAuditEventPath(path: string): boolean {
  return path === 'AuditEvent' || path.startsWith('AuditEvent/');
}

/** Whether the acting credential may read the audit trail. */
export function canReadAuditTrail(roles: readonly string[]): boolean {
  return roles.some((role) => AUDIT_READER_ROLES.includes(role));
}

type AuditEventInteraction = { interaction: string; action: AuditAction };

/** What an AuditEvent request attempts, by method and path. */
function classify(method: string, segments: string[]): AuditEventInteraction {
  if (method === 'GET' || method === 'HEAD') {
    return segments.length === 2 ? { interaction: 'read', action: 'R' } : { interaction: 'search-type', action: 'E' };
  }
  if (method === 'POST') {
    return segments[1] === '_search'
      ? { interaction: 'search-type', action: 'E' }
      : { interaction: 'create', action: 'C' };
  }
  if (method === 'DELETE') {
    return { interaction: 'delete', action: 'D' };
  }
  return { interaction: method === 'PATCH' ? 'patch' : 'update', action: 'U' };
}

/**
 * Answers an AuditEvent request from the audit tables: search (GET, or POST `_search`) and read.
 * Writes are refused: the trail is written by the server alone. Refused requests (a role that may
 * not read the trail, a write, an unknown id) are recorded as well.
 */
export async function handleAuditEventRequest(
  target: AuditTarget & { baseUrl: string },
  request: FhirReadRequest,
): Promise<{ status: number; body: Bundle | FhirAuditEvent }> {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const attempted = classify(request.method, segments);
  try {
    return await answerAuditEventRequest(target, request, segments, attempted);
  } catch (error) {
    const { status, failure } = describeFailure(error);
    if (status < 500 && isDatabase(target.tx)) {
      // Whose trail was asked for, when the request says so in a well-formed id.
      const patient = request.query.find(([name]) => name === 'patient')?.[1].replace(/^Patient\//, '');
      const patients = patient !== undefined && /^[A-Za-z0-9\-.]{1,64}$/.test(patient) ? [patient] : [];
      await recordAuditRead(target, attempted, { entities: [], patients, query: request.query, failure });
    }
    throw error;
  }
}

async function answerAuditEventRequest(
  target: AuditTarget & { baseUrl: string },
  request: FhirReadRequest,
  segments: string[],
  attempted: AuditEventInteraction,
): Promise<{ status: number; body: Bundle | FhirAuditEvent }> {
  if (attempted.action !== 'R' && attempted.action !== 'E') {
    throw new OutcomeError(notAllowed('AuditEvent is read-only: the server records it'));
  }
  if (segments.length > 2) {
    throw new OutcomeError(notFound('No FHIR interaction at AuditEvent/…'));
  }
  if (!canReadAuditTrail(target.audit?.agent.roles ?? [])) {
    throw new OutcomeError(forbidden('Reading the audit trail needs the admin or privacy-officer role'));
  }
  if (attempted.interaction === 'read') {
    const entry = await tryReadAuditEntry(target.tx, target.tenantId, segments[1] ?? '');
    if (!entry) {
      throw new OutcomeError(notFound(`AuditEvent/${segments[1] ?? ''} not found`));
    }
    await recordAuditRead(target, attempted, {
      entities: [`AuditEvent/${entry.id}`],
      patients: entry.patients,
      query: [],
    });
    return { status: 200, body: toAuditEvent(entry) };
  }
  const filter = parseAuditEventQuery(target.tenantId, request.query);
  const entries = await searchAuditEntries(target.tx, filter);
  await recordAuditRead(target, attempted, {
    entities: [],
    patients: filter.patient === undefined ? [] : [filter.patient],
    query: request.query,
  });
  return { status: 200, body: toSearchBundle({ entries, filter, query: request.query, baseUrl: target.baseUrl }) };
}

/** Reading the trail is recorded like any read; the entry names the patient searched for, not the entries seen. */
function recordAuditRead(
  target: AuditTarget,
  attempted: AuditEventInteraction,
  found: { entities: string[]; patients: string[]; query: Array<[string, string]>; failure?: string },
): Promise<void> {
  return recordEvent(target.tx, {
    tenantId: target.tenantId,
    context: target.audit,
    now: target.now,
    event: {
      type: 'rest',
      ...attempted,
      entities: found.entities,
      patients: found.patients,
      query: [...new Set(found.query.map(([name]) => name))].sort(),
      detail: 'AuditEvent',
      ...(found.failure === undefined ? {} : { outcome: '4' as const, failure: found.failure }),
    },
  });
}
