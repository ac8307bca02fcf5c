// "Who accessed my record": the audit entries naming a patient, shown to that patient. What a
// patient sees is a view of the entry, not the entry: no network addresses, request ids, query
// parameter names or internal user ids, and no ids of other patients' resources.
import type { Queryable } from '../../platform/db/index.ts';
import type { AuditEntry } from './audit-entry.ts';
import { searchAuditEntries, type AuditEventFilter } from './audit-events.ts';
import { BREAK_GLASS } from './request-audit.ts';

/** What happened to the record, in words a patient reads. */
export type RecordAccessAction = 'read' | 'search' | 'create' | 'update' | 'delete' | 'export' | 'operation' | 'other';

/** One access to a patient's record, as the patient sees it. */
export type RecordAccess = {
  id: string;
  recorded: string;
  action: RecordAccessAction;
  outcome: 'success' | 'refused';
  who: { kind: 'user' | 'service'; displayName: string; roles: string[]; isYou: boolean };
  what: {
    /** The resources touched; without `id` for resources that may be another patient's. */
    resources: Array<{ resourceType: string; id?: string }>;
    resourceCount: number;
    detail?: string;
  };
  purpose?: { code: string; isBreakGlass: boolean; reason?: string };
};

/** A user's display name in the identity module's directory; undefined for a user it does not know. */
export type FindUserName = (tenantId: string, userId: string) => Promise<string | undefined>;

/** The most resources listed for one access; `resourceCount` tells how many there were. */
export const MAX_LISTED_RESOURCES = 20;

/** The display name of a user the directory no longer knows. */
export const UNKNOWN_USER = 'Former user';

const ACTIONS: Record<string, RecordAccessAction> = {
  read: 'read',
  vread: 'read',
  'history-instance': 'read',
  'history-type': 'read',
  'history-system': 'read',
  search: 'search',
  'search-type': 'search',
  'search-system': 'search',
  create: 'create',
  update: 'update',
  patch: 'update',
  delete: 'delete',
  export: 'export',
  operation: 'operation',
};

function actionOf(entry: AuditEntry): RecordAccessAction {
  return ACTIONS[entry.interaction] ?? 'other';
}

/**
 * The resources an entry names. An entry that names other patients too (a search across patients)
 * keeps only this patient's own Patient id and the types of the rest: their ids are not this
 * patient's to see.
 */
function resourcesOf(entry: AuditEntry, patientId: string): RecordAccess['what']['resources'] {
  const isOnlyThisPatient = entry.patients.every((patient) => patient === patientId);
  const resources: RecordAccess['what']['resources'] = [];
  const typesListed = new Set<string>();
  for (const entity of entry.entities) {
    const slash = entity.indexOf('/');
    const resourceType = entity.slice(0, slash);
    const id = entity.slice(slash + 1);
    if (isOnlyThisPatient || (resourceType === 'Patient' && id === patientId)) {
      resources.push({ resourceType, id });
    } else if (!typesListed.has(resourceType)) {
      typesListed.add(resourceType);
      resources.push({ resourceType });
    }
    if (resources.length === MAX_LISTED_RESOURCES) {
      break;
    }
  }
  return resources;
}

function toRecordAccess(
  entry: AuditEntry,
  options: { patientId: string; viewerUserId: string; userNames: Map<string, string> },
): RecordAccess {
  const { agent, purpose } = entry;
  const isUser = agent.kind === 'user';
  return {
    id: entry.id,
    recorded: entry.recorded,
    action: actionOf(entry),
    outcome: entry.outcome === '0' ? 'success' : 'refused',
    who: {
      kind: isUser ? 'user' : 'service',
      // A service is known by its client id or key label; the `client:` prefix is an internal marker.
      displayName: isUser ? (options.userNames.get(agent.name) ?? UNKNOWN_USER) : agent.name.replace(/^client:/, ''),
      roles: agent.roles,
      isYou: isUser && agent.name === options.viewerUserId,
    },
    what: {
      resources: resourcesOf(entry, options.patientId),
      resourceCount: entry.entities.length,
      // The operation or view, never a failure's text or a login's reason.
      ...(entry.detail !== undefined && entry.type === 'rest' ? { detail: entry.detail } : {}),
    },
    ...(purpose
      ? {
          purpose: {
            code: purpose.code,
            // A reason is only ever given to break the glass, whatever purpose was declared with it.
            isBreakGlass: purpose.code === BREAK_GLASS || purpose.reason !== undefined,
            ...(purpose.reason === undefined ? {} : { reason: purpose.reason }),
          },
        }
      : {}),
  };
}

export type ListRecordAccessOptions = {
  tenantId: string;
  patientId: string;
  /** The signed-in patient user: their own use is left out unless `includeOwn`. */
  viewerUserId: string;
  includeOwn: boolean;
  limit: number;
  offset: number;
  since?: string;
  until?: string;
};

/**
 * Who read or changed a patient's record, newest first, one page; `nextOffset` when there is
 * another. Entries are seen as soon as they are committed (see `searchAuditEntries`).
 */
export async function listRecordAccess(
  q: Queryable,
  findUserName: FindUserName,
  options: ListRecordAccessOptions,
): Promise<{ entries: RecordAccess[]; nextOffset?: number }> {
  const dates: AuditEventFilter['dates'] = [];
  if (options.since !== undefined) {
    dates.push({ op: 'ge', value: options.since });
  }
  if (options.until !== undefined) {
    dates.push({ op: 'lt', value: options.until });
  }
  const found = await searchAuditEntries(q, {
    tenantId: options.tenantId,
    patient: options.patientId,
    ...(options.includeOwn ? {} : { excludeAgent: options.viewerUserId }),
    dates,
    count: options.limit,
    offset: options.offset,
  });
  const page = found.slice(0, options.limit);
  const userIds = [...new Set(page.filter((entry) => entry.agent.kind === 'user').map((entry) => entry.agent.name))];
  const userNames = new Map<string, string>();
  await Promise.all(
    userIds.map(async (userId) => {
      const name = await findUserName(options.tenantId, userId);
      if (name !== undefined) {
        userNames.set(userId, name);
      }
    }),
  );
  return {
    entries: page.map((entry) => toRecordAccess(entry, { ...options, userNames })),
    ...(found.length > options.limit ? { nextOffset: options.offset + options.limit } : {}),
  };
}

const PATIENT_USER = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * The patient a signed-in user is, from the access token: SMART's fhirUser naming a Patient, or a
 * patient-role user's launch patient. Undefined for anyone else (a clinician's token with a launch
 * patient included: that patient is who they look at, not who they are).
 */
export function trySignedInPatient(context: {
  actor: { kind: string; label: string };
  roles: string[];
  fhirUser?: string;
  patientId?: string;
}): string | undefined {
  if (context.actor.kind !== 'user') {
    return undefined;
  }
  const fromFhirUser = context.fhirUser === undefined ? undefined : PATIENT_USER.exec(context.fhirUser)?.[1];
  if (fromFhirUser !== undefined) {
    return fromFhirUser;
  }
  return context.fhirUser === undefined && context.roles.includes('patient') ? context.patientId : undefined;
}
