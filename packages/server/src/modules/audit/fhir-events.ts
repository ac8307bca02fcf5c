// Which FHIR interactions are PHI access, and what an entry records about each: the resources a
// response disclosed or a write changed, and whose records they are.
import type { Queryable } from '../../platform/db/index.ts';
import { statusOf, toOutcome } from '@caregraph/core/fhir';
import type { AuditAction } from './audit-entry.ts';
import { AuditError } from './errors.ts';
import {
  buildEntry,
  insertEntries,
  isDatabase,
  recordEvent,
  type AuditContext,
  type AuditEvent,
} from './record-entry.ts';

/**
 * Definitional and terminology resources never hold PHI; reading and writing them is not audited
 * (terminology operations read value sets through the FHIR router on every `$expand`).
 */
const NON_PHI_TYPES = new Set([
  'CapabilityStatement',
  'CodeSystem',
  'CompartmentDefinition',
  'ConceptMap',
  'GraphDefinition',
  'ImplementationGuide',
  'MessageDefinition',
  'NamingSystem',
  'OperationDefinition',
  'SearchParameter',
  'StructureDefinition',
  'StructureMap',
  'TerminologyCapabilities',
  'ValueSet',
]);

/** Whether interactions on this resource type are audited. */
export function isAuditedType(resourceType: string): boolean {
  return !NON_PHI_TYPES.has(resourceType);
}

const ID = '[A-Za-z0-9\\-.]{1,64}';
// A reference to a patient, relative or absolute, possibly versioned, as it appears in stored JSON
// (`"reference": "Patient/1"`) or in JSON built by the server (`"reference":"Patient/1"`).
const PATIENT_REFERENCE = new RegExp(`"reference"\\s*:\\s*"(?:[^"]*/)?Patient/(${ID})(?:/_history/[^"]*)?"`, 'g');
// Each entry of a Bundle the server assembles starts with its fullUrl, `[base]/Type/id`.
const FULL_URL = new RegExp(`"fullUrl"\\s*:\\s*"(?:[^"]*/)?([A-Z][A-Za-z]{1,63})/(${ID})"`, 'g');

/**
 * The patients whose records a JSON text touches: every Patient it references (which covers the
 * R4 Patient compartment, whose links are all references to the patient) and the Patients it is.
 */
export function findPatientIds(json: string, resources: Array<{ type: string; id: string }> = []): string[] {
  const ids = new Set<string>();
  for (const match of json.matchAll(PATIENT_REFERENCE)) {
    ids.add(match[1] as string);
  }
  for (const resource of resources) {
    if (resource.type === 'Patient') {
      ids.add(resource.id);
    }
  }
  return [...ids].sort();
}

/** The resources of a Bundle's entries, by their fullUrls, in order. */
export function findBundleResources(json: string): Array<{ type: string; id: string }> {
  return [...json.matchAll(FULL_URL)].map((match) => ({ type: match[1] as string, id: match[2] as string }));
}

/** The parts of a FHIR request the classification needs (the FHIR module's FhirRequest fits). */
export type FhirReadRequest = { method: string; path: string; query: Array<[string, string]> };

type ReadKind = { interaction: string; action: AuditAction; detail?: string; focus?: { type: string; id: string } };

function classifyInstance(method: string, segments: string[]): ReadKind | undefined {
  const [type = '', id = '', third, fourth] = segments;
  const focus = { type, id };
  if (segments.length === 2 && method === 'GET') {
    return { interaction: 'read', action: 'R', focus };
  }
  if (third === '_history' && method === 'GET') {
    return segments.length === 3
      ? { interaction: 'history-instance', action: 'R', focus }
      : { interaction: 'vread', action: 'R', focus };
  }
  if (third === '$everything') {
    return { interaction: 'operation', action: 'E', detail: '$everything', focus };
  }
  const isCompartmentSearch =
    (segments.length === 3 && method === 'GET') || (segments.length === 4 && fourth === '_search' && method === 'POST');
  if (third && !third.startsWith('$') && isCompartmentSearch) {
    return { interaction: 'search', action: 'E', focus };
  }
  return undefined;
}

/** What kind of PHI read a request is, or undefined when it reads none (writes, $validate, terminology). */
export function classifyFhirRead(request: FhirReadRequest): ReadKind | undefined {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const [first, second] = segments;
  if (first === undefined || (first === '_search' && segments.length === 1)) {
    return method === 'GET' || first === '_search' ? { interaction: 'search-system', action: 'E' } : undefined;
  }
  if (first === '_history' && segments.length === 1) {
    return { interaction: 'history-system', action: 'R' };
  }
  // AuditEvent requests are recorded by their own handler (audit-event-interaction.ts), refusals included.
  if (!isAuditedType(first) || first === 'AuditEvent') {
    return undefined;
  }
  if (segments.length === 1) {
    return method === 'GET' ? { interaction: 'search-type', action: 'E' } : undefined;
  }
  if (second === '_history' && segments.length === 2) {
    return { interaction: 'history-type', action: 'R' };
  }
  if (second === '_search' && segments.length === 2) {
    return method === 'POST' ? { interaction: 'search-type', action: 'E' } : undefined;
  }
  if (second?.startsWith('$')) {
    return undefined;
  }
  return classifyInstance(method, segments);
}

/**
 * The event a successful read answered with `body` is: the resources it disclosed (the one read,
 * or every entry of the returned Bundle) and their patients. Undefined when it read no PHI.
 */
export function describeFhirRead(request: FhirReadRequest, body: unknown): AuditEvent | undefined {
  const kind = classifyFhirRead(request);
  if (!kind) {
    return undefined;
  }
  const json = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  const isSingle = kind.interaction === 'read' || kind.interaction === 'vread';
  const resources = isSingle && kind.focus ? [kind.focus] : findBundleResources(json);
  const patients = findPatientIds(json, resources);
  if (kind.focus?.type === 'Patient') {
    patients.push(kind.focus.id);
  }
  const isSearch = kind.action === 'E';
  return {
    type: 'rest',
    interaction: kind.interaction,
    action: kind.action,
    entities: [...new Set(resources.map((resource) => `${resource.type}/${resource.id}`))],
    patients,
    ...(isSearch ? { query: [...new Set(request.query.map(([name]) => name))].sort() } : {}),
    ...(kind.detail ? { detail: kind.detail } : {}),
  };
}

/** Where a FHIR interaction runs: the FHIR StoreContext fits. */
export type AuditTarget = { tenantId: string; tx: Queryable; now: () => Date; audit?: AuditContext };

/** Records a successful FHIR read, search, history or `$everything` before its response is sent. */
export async function recordFhirRead(target: AuditTarget, request: FhirReadRequest, body: unknown): Promise<void> {
  if (target.audit?.isRecordingDisabled) {
    return;
  }
  const event = describeFhirRead(request, body);
  if (event) {
    await recordEvent(target.tx, { tenantId: target.tenantId, context: target.audit, event, now: target.now });
  }
}

const FOCUS = new RegExp(`^[A-Z][A-Za-z]{1,63}/${ID}$`);

/** `404 not-found`: the status and FHIR issue code of a refused request, for the entry (never the message, which may quote input). */
export function describeFailure(error: unknown): { status: number; failure: string } {
  const outcome = toOutcome(error);
  const status = error instanceof AuditError ? error.statusCode : statusOf(outcome);
  const code = error instanceof AuditError ? error.code : (outcome.issue?.[0]?.code ?? 'exception');
  return { status, failure: `${status} ${code}` };
}

/**
 * Records a PHI read that was refused (404, 410, 403, 400…): who tried to read what, and how it
 * ended. Server errors (5xx) are not: the request did not get as far as a decision, and the
 * database that failed is likely the one the entry would go to.
 */
export async function recordFailedFhirRead(
  target: AuditTarget,
  request: FhirReadRequest,
  error: unknown,
): Promise<void> {
  if (target.audit?.isRecordingDisabled) {
    return;
  }
  const kind = classifyFhirRead(request);
  const { status, failure } = describeFailure(error);
  // Inside a Bundle's transaction the failure rolls back whatever the entry would be written in;
  // the Bundle's own request is what is recorded then.
  if (!kind || status >= 500 || !isDatabase(target.tx)) {
    return;
  }
  // The path is the client's text: only a well-formed Type/id is kept.
  const focus = kind.focus && FOCUS.test(`${kind.focus.type}/${kind.focus.id}`) ? kind.focus : undefined;
  await recordEvent(target.tx, {
    tenantId: target.tenantId,
    context: target.audit,
    now: target.now,
    event: {
      type: 'rest',
      interaction: kind.interaction,
      action: kind.action,
      outcome: '4',
      failure,
      entities: focus ? [`${focus.type}/${focus.id}`] : [],
      patients: focus?.type === 'Patient' ? [focus.id] : [],
      ...(kind.action === 'E' ? { query: [...new Set(request.query.map(([name]) => name))].sort() } : {}),
      ...(kind.detail ? { detail: kind.detail } : {}),
    },
  });
}

const WRITE_KINDS = {
  create: { interaction: 'create', action: 'C' },
  update: { interaction: 'update', action: 'U' },
  patch: { interaction: 'patch', action: 'U' },
  delete: { interaction: 'delete', action: 'D' },
} as const;

/**
 * Records a stored version in the transaction that stores it. `json` is the new content, or for a
 * deletion the content deleted, so the entry names the patients either way.
 */
export async function recordResourceWrite(
  target: AuditTarget,
  write: {
    resourceType: string;
    id: string;
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    isFirstVersion: boolean;
    json: string | null;
  },
): Promise<void> {
  if (target.audit?.isRecordingDisabled || !isAuditedType(write.resourceType)) {
    return;
  }
  await recordEvent(target.tx, {
    tenantId: target.tenantId,
    context: target.audit,
    event: resourceWriteEvent(write),
    now: target.now,
  });
}

type ResourceWrite = Parameters<typeof recordResourceWrite>[1];

function resourceWriteEvent(write: ResourceWrite): AuditEvent {
  const kind =
    write.method === 'DELETE'
      ? WRITE_KINDS.delete
      : write.isFirstVersion
        ? WRITE_KINDS.create
        : write.method === 'PATCH'
          ? WRITE_KINDS.patch
          : WRITE_KINDS.update;
  const patients = findPatientIds(write.json ?? '', [{ type: write.resourceType, id: write.id }]);
  return { type: 'rest', ...kind, entities: [`${write.resourceType}/${write.id}`], patients };
}

/**
 * Records many stored versions in one statement, in the transaction that stores them (the store's
 * batch writer): the same entries as `recordResourceWrite` for each.
 */
export async function recordResourceWrites(target: AuditTarget, writes: readonly ResourceWrite[]): Promise<void> {
  if (target.audit?.isRecordingDisabled) {
    return;
  }
  const recorded = target.now();
  const entries = writes
    .filter((write) => isAuditedType(write.resourceType))
    .map((write) =>
      buildEntry({ tenantId: target.tenantId, context: target.audit, event: resourceWriteEvent(write), recorded }),
    );
  await insertEntries(target.tx, entries);
}

/**
 * Records a successful read of the JSON API (the journey views): `route` names the view
 * (`/api/patients/:id/journey`), `patientId` whose record it showed.
 */
export async function recordApiRead(
  q: Queryable,
  options: { tenantId: string; context: AuditContext; route: string; patientId?: string; entities?: string[] },
): Promise<void> {
  const { patientId } = options;
  await recordEvent(q, {
    tenantId: options.tenantId,
    context: options.context,
    event: {
      type: 'rest',
      interaction: 'read',
      action: 'R',
      entities: options.entities ?? (patientId === undefined ? [] : [`Patient/${patientId}`]),
      patients: patientId === undefined ? [] : [patientId],
      detail: options.route,
    },
  });
}
