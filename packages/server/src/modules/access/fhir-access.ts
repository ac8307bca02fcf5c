// What a request's SMART scopes allow on the FHIR API. The one place FHIR authorisation is
// decided, so role- and policy-based rules can join the scope rules here.
import { forbidden, OutcomeError } from '@caregraph/core/fhir';
import { parseScopes, reachOf, type ResourceScope, type ScopeInteraction, type ScopeReach } from './smart-scopes.ts';

/** Who asks, as authorisation needs it: the granted scopes and the launch patient, if any. */
export type AccessIdentity = {
  scopes: readonly string[];
  /** The SMART launch patient: `patient/` scopes reach only this patient's compartment. */
  patientId?: string | undefined;
};

/** The parts of a FHIR request the decision reads (the FHIR module's request satisfies it). */
export type FhirAccessRequest = {
  method: string;
  /** Below the FHIR base, without leading slash: `Observation/1/_history`. */
  path: string;
  query: Array<[string, string]>;
  body?: unknown;
};

/** Answers about the patient compartment (R4 CompartmentDefinition `Patient`), supplied by the FHIR module. */
export type CompartmentProbe = {
  /** Whether resources of this type can be in a patient's compartment. */
  isPatientCompartmentType: (resourceType: string) => boolean;
  /** Whether the stored resource is in the patient's compartment (false when it does not exist). */
  isInPatientCompartment: (resourceType: string, id: string, patientId: string) => Promise<boolean>;
};

// Operations that read only; any other operation counts as a write of its type.
const READ_OPERATIONS = new Set([
  '$everything',
  '$validate',
  '$expand',
  '$lookup',
  '$translate',
  '$validate-code',
  '$subsumes',
  '$match',
  '$meta',
]);

/** What a FHIR request touches, as authorisation reads it. */
export type Target =
  /** A whole-server interaction (batch/transaction, system search, history, operation). */
  | { kind: 'system'; interactions: ScopeInteraction[] }
  /** A type-level interaction that cannot be narrowed to one patient (type history, type operations). */
  | { kind: 'type'; resourceType: string; interactions: ScopeInteraction[] }
  | { kind: 'search'; resourceType: string; compartment?: { type: string; id: string } }
  | { kind: 'create'; resourceType: string }
  | { kind: 'instance'; resourceType: string; id: string; interactions: ScopeInteraction[]; isUpdate: boolean };

function deny(reason: string): never {
  throw new OutcomeError(forbidden(reason));
}

const isOperation = (segment: string | undefined) => segment?.startsWith('$') === true;

function operationInteractions(operation: string, level: 'type' | 'instance'): ScopeInteraction[] {
  if (READ_OPERATIONS.has(operation)) {
    return level === 'type' ? ['s'] : ['r'];
  }
  return ['c', 'u', 'd'];
}

function writeOf(method: string): ScopeInteraction[] {
  switch (method) {
    case 'POST':
      return ['c'];
    case 'PUT':
    case 'PATCH':
      return ['u'];
    case 'DELETE':
      return ['d'];
    default:
      return ['r'];
  }
}

/** What the request touches, from its method and path (as the FHIR router reads them). */
export function targetOf(request: FhirAccessRequest): Target {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const [type, second, third, fourth] = segments;
  if (!type || type.startsWith('_') || isOperation(type)) {
    const isBundle = !type && method === 'POST';
    const isRead = method === 'GET' || type === '_search' || (isOperation(type) && READ_OPERATIONS.has(type ?? ''));
    return { kind: 'system', interactions: isBundle || !isRead ? ['c', 'r', 'u', 'd', 's'] : ['s'] };
  }
  if (!second) {
    if (method === 'GET') {
      return { kind: 'search', resourceType: type };
    }
    // Conditional update and delete choose their target by search: they are not narrowed to a patient.
    return method === 'POST'
      ? { kind: 'create', resourceType: type }
      : { kind: 'type', resourceType: type, interactions: writeOf(method) };
  }
  if (second === '_search') {
    return { kind: 'search', resourceType: type };
  }
  if (second === '_history') {
    return { kind: 'type', resourceType: type, interactions: ['s'] };
  }
  if (isOperation(second)) {
    return { kind: 'type', resourceType: type, interactions: operationInteractions(second, 'type') };
  }
  if (!third) {
    const interactions = writeOf(method);
    return { kind: 'instance', resourceType: type, id: second, interactions, isUpdate: interactions[0] === 'u' };
  }
  if (third === '_history') {
    return { kind: 'instance', resourceType: type, id: second, interactions: ['r'], isUpdate: false };
  }
  if (isOperation(third)) {
    const interactions = operationInteractions(third, 'instance');
    return { kind: 'instance', resourceType: type, id: second, interactions, isUpdate: false };
  }
  if (fourth === undefined || fourth === '_search') {
    return { kind: 'search', resourceType: third, compartment: { type, id: second } };
  }
  return { kind: 'system', interactions: ['c', 'r', 'u', 'd', 's'] };
}

/** The narrowest reach over several interactions: all of them must be allowed. */
function reachAll(
  scopes: readonly ResourceScope[],
  resourceType: string,
  interactions: ScopeInteraction[],
): ScopeReach {
  const reaches = interactions.map((interaction) => reachOf(scopes, resourceType, interaction));
  return reaches.includes('none') ? 'none' : reaches.includes('patient') ? 'patient' : 'all';
}

function describe(interactions: ScopeInteraction[], resourceType: string): string {
  return `${resourceType === '*' ? 'all resource types' : resourceType} (${interactions.join('')})`;
}

/** The ids of the patients a resource body references (`Patient/<id>`, relative or absolute), anywhere in it. */
export function referencedPatients(body: unknown): string[] {
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
      if (match?.[1]) {
        ids.add(match[1]);
      }
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      Object.values(value).forEach(visit);
    }
  };
  visit(body);
  return [...ids];
}

/** Whether a resource body names the patient: a `Patient/<id>` reference anywhere in it. */
function referencesPatient(body: unknown, patientId: string): boolean {
  const reference = `Patient/${patientId}`;
  const visit = (value: unknown): boolean => {
    if (typeof value === 'string') {
      return value === reference || value.endsWith(`/${reference}`);
    }
    if (Array.isArray(value)) {
      return value.some(visit);
    }
    return typeof value === 'object' && value !== null && Object.values(value).some(visit);
  };
  return visit(body);
}

async function checkInstanceInCompartment(
  target: Extract<Target, { kind: 'instance' }>,
  request: FhirAccessRequest,
  patientId: string,
  probe: CompartmentProbe,
): Promise<void> {
  const { resourceType, id } = target;
  if (resourceType === 'Patient') {
    if (id !== patientId) {
      deny('The token reaches only the launch patient');
    }
    return;
  }
  if (!probe.isPatientCompartmentType(resourceType)) {
    return;
  }
  if (!(await probe.isInPatientCompartment(resourceType, id, patientId))) {
    deny(`${resourceType}/${id} is not in the launch patient's compartment`);
  }
  if (target.isUpdate && !referencesPatient(request.body, patientId)) {
    deny(`The updated ${resourceType} must stay in the launch patient's compartment`);
  }
}

/**
 * Checks a FHIR request against the caller's SMART scopes and answers the request to run: the
 * same one, or, for a search reached only through `patient/` scopes, one narrowed to the launch
 * patient (a compartment search, or `_id` on Patient). Throws a 403 OperationOutcome otherwise.
 *
 * v1 scopes count as their v2 equivalents (`.read` = `.rs`, `.write` = `.cud`). A `patient/`
 * scope without a launch patient reaches nothing. A create through `patient/` scopes must
 * reference the launch patient; batches, transactions, system-level and type-level operations,
 * type history and conditional writes need `user/` or `system/` scopes.
 */
export async function checkFhirAccess<Request extends FhirAccessRequest>(
  identity: AccessIdentity,
  request: Request,
  probe: CompartmentProbe,
): Promise<Request> {
  const scopes = parseScopes(identity.scopes).resources;
  const target = targetOf(request);
  const resourceType = target.kind === 'system' ? '*' : target.resourceType;
  const interactions =
    target.kind === 'search'
      ? (['s'] as ScopeInteraction[])
      : target.kind === 'create'
        ? (['c'] as ScopeInteraction[])
        : target.interactions;
  const reach = reachAll(scopes, resourceType, interactions);
  if (reach === 'all') {
    return request;
  }
  if (reach === 'none') {
    deny(`The token's scopes do not allow ${describe(interactions, resourceType)}`);
  }
  const patientId = identity.patientId;
  if (patientId === undefined) {
    deny('patient/ scopes need a launch patient, and this token has none');
  }
  switch (target.kind) {
    case 'system':
    case 'type':
      return deny(`${describe(interactions, resourceType)} cannot be limited to the launch patient`);
    case 'create':
      if (resourceType === 'Patient') {
        deny('patient/ scopes do not allow creating patients');
      }
      if (probe.isPatientCompartmentType(resourceType) && !referencesPatient(request.body, patientId)) {
        deny(`The new ${resourceType} must reference the launch patient`);
      }
      return request;
    case 'instance':
      await checkInstanceInCompartment(target, request, patientId, probe);
      return request;
    case 'search':
      return narrowSearch(request, target, patientId, probe);
  }
}

/** A search reached through `patient/` scopes, kept to the launch patient's compartment. */
function narrowSearch<Request extends FhirAccessRequest>(
  request: Request,
  target: Extract<Target, { kind: 'search' }>,
  patientId: string,
  probe: CompartmentProbe,
): Request {
  const { resourceType, compartment } = target;
  if (compartment) {
    if (compartment.type !== 'Patient' || compartment.id !== patientId) {
      deny('The token reaches only the launch patient');
    }
    return request;
  }
  if (resourceType === 'Patient') {
    // Repeated parameters are ANDed (R4 §3.1.1.5.5): any _id the client gave is intersected with the patient.
    return { ...request, query: [...request.query, ['_id', patientId]] };
  }
  if (!probe.isPatientCompartmentType(resourceType)) {
    return request;
  }
  // `Observation?…` becomes the compartment search `Patient/<id>/Observation?…` (R4 §3.1.1.2).
  const isPost = request.path.endsWith('/_search');
  return { ...request, path: `Patient/${patientId}/${resourceType}${isPost ? '/_search' : ''}` };
}
