// The audit module's "who accessed my record" answer (GET /api/audit/my-record-access), and how
// the portal tells each entry in plain words.

/** What was done to the record. */
export type AccessAction = 'read' | 'search' | 'create' | 'update' | 'delete' | 'export' | 'operation' | 'other';

/** One access to the patient's record. */
export type AccessEntry = {
  id: string;
  recorded: string;
  action: AccessAction;
  outcome: 'success' | 'refused';
  who: { kind: 'user' | 'service'; displayName: string; roles: string[]; isYou: boolean };
  what: { resources: { resourceType: string; id?: string }[]; resourceCount: number; detail?: string };
  purpose?: { code: string; isBreakGlass: boolean; reason?: string };
};

/** One page of the list; `nextOffset` only when there is another. */
export type AccessLogPage = { patient: string; entries: AccessEntry[]; nextOffset?: number };

const ACTION_WORDS: Record<AccessAction, string> = {
  read: 'Viewed',
  search: 'Looked up',
  create: 'Added to',
  update: 'Changed',
  delete: 'Removed from',
  export: 'Exported',
  operation: 'Used',
  other: 'Accessed',
};

/** Resource types as patients call them. */
const TYPE_WORDS: Record<string, string> = {
  Patient: 'your details',
  Observation: 'results and measurements',
  Condition: 'health problems',
  MedicationRequest: 'medicines',
  MedicationStatement: 'medicines',
  AllergyIntolerance: 'allergies',
  Immunization: 'vaccinations',
  Encounter: 'visits',
  DiagnosticReport: 'test reports',
  DocumentReference: 'documents',
  Appointment: 'appointments',
  CareTeam: 'care team',
  Procedure: 'procedures',
  CarePlan: 'care plans',
  AuditEvent: 'access history',
};

/** "Viewed results and measurements, your details" — what an entry did, in plain words. */
export function describeAccess(entry: Pick<AccessEntry, 'action' | 'what'>): string {
  if (entry.what.detail === '$everything' || entry.action === 'export') {
    return 'Opened your whole record';
  }
  const types = [...new Set(entry.what.resources.map((resource) => resource.resourceType))];
  const words = [...new Set(types.map((type) => TYPE_WORDS[type] ?? type))];
  const subject = words.length > 0 ? words.join(', ') : 'your record';
  return `${ACTION_WORDS[entry.action]} ${subject}`;
}

/** Roles as patients know them. */
const ROLE_WORDS: Record<string, string> = {
  clinician: 'Clinician',
  nurse: 'Nurse',
  staff: 'Front desk',
  admin: 'Administrator',
  patient: 'Patient',
};

/** Who it was: "Dr Alice Smith (Clinician)", "You", or a service's name. */
export function describeAccessor(who: AccessEntry['who']): string {
  if (who.isYou) {
    return 'You';
  }
  if (who.kind === 'service') {
    return `${who.displayName} (a connected system)`;
  }
  const roles = who.roles.map((role) => ROLE_WORDS[role] ?? role).join(', ');
  return roles ? `${who.displayName} (${roles})` : who.displayName;
}

/** Why they said they needed it, when they said. */
export function describePurpose(purpose: AccessEntry['purpose']): string | undefined {
  if (!purpose) {
    return undefined;
  }
  if (purpose.isBreakGlass) {
    return purpose.reason ? `Emergency access: ${purpose.reason}` : 'Emergency access';
  }
  switch (purpose.code) {
    case 'TREAT':
      return 'Your care';
    case 'ETREAT':
      return 'Emergency care';
    case 'HPAYMT':
      return 'Billing';
    case 'HOPERAT':
      return 'Running the clinic';
    case 'PATRQT':
      return 'Your request';
    default:
      return purpose.code;
  }
}

/** Consecutive accesses by the same person close together in time: one visit to the record. */
export type AccessVisit = {
  key: string;
  who: AccessEntry['who'];
  /** The newest and oldest entry's time. */
  latest: string;
  earliest: string;
  /** What was done, in plain words, each once, in the order it was done. */
  actions: string[];
  /** Refused attempts, in plain words. */
  refused: string[];
  purposes: string[];
  isBreakGlass: boolean;
};

const sameAccessor = (left: AccessEntry['who'], right: AccessEntry['who']) =>
  left.kind === right.kind && left.displayName === right.displayName && left.isYou === right.isYou;

/**
 * Folds the newest-first entries into visits: an entry joins the visit above it when it is the same
 * person (or system) within `gapMinutes` of that visit's oldest entry, so opening a chart (a dozen
 * reads) shows as one line rather than a dozen.
 */
export function groupAccessVisits(entries: readonly AccessEntry[], gapMinutes = 10): AccessVisit[] {
  const visits: AccessVisit[] = [];
  for (const entry of entries) {
    const current = visits.at(-1);
    const isClose =
      current !== undefined &&
      sameAccessor(current.who, entry.who) &&
      Date.parse(current.earliest) - Date.parse(entry.recorded) <= gapMinutes * 60_000;
    const visit = isClose
      ? current
      : {
          key: entry.id,
          who: entry.who,
          latest: entry.recorded,
          earliest: entry.recorded,
          actions: [],
          refused: [],
          purposes: [],
          isBreakGlass: false,
        };
    if (!isClose) {
      visits.push(visit);
    }
    visit.earliest = entry.recorded;
    visit.isBreakGlass ||= entry.purpose?.isBreakGlass === true;
    const purpose = describePurpose(entry.purpose);
    if (purpose && !visit.purposes.includes(purpose)) {
      visit.purposes.push(purpose);
    }
    const list = entry.outcome === 'refused' ? visit.refused : visit.actions;
    const action = describeAccess(entry);
    // Newest first in, oldest first out: the visit reads in the order things were done.
    if (!list.includes(action)) {
      list.unshift(action);
    }
  }
  return visits;
}
