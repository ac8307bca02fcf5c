// The audit explorer's filter: kept in the page address (so a filtered view can be shared and the
// back button restores it), checked before it is sent, and turned into AuditEvent search parameters.

/** FHIR AuditEvent.action codes and what they mean. */
export const AUDIT_ACTIONS = [
  { code: 'C', label: 'Create' },
  { code: 'R', label: 'Read' },
  { code: 'U', label: 'Update' },
  { code: 'D', label: 'Delete' },
  { code: 'E', label: 'Execute (search, operation, sign-in)' },
] as const;

export type AuditActionCode = (typeof AUDIT_ACTIONS)[number]['code'];

/** What kind of event an entry records (the AuditEvent `type` search takes these too). */
export const AUDIT_KINDS = [
  { code: 'rest', label: 'Data access (FHIR and API)' },
  { code: 'login', label: 'Sign-in' },
  { code: 'security', label: 'Account and security changes' },
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number]['code'];

/** AuditEvent.outcome: success, or refused (a failed sign-in, a read answered 4xx). */
export const AUDIT_OUTCOMES = [
  { code: '0', label: 'Success' },
  { code: '4', label: 'Refused or failed' },
] as const;

export type AuditOutcomeCode = (typeof AUDIT_OUTCOMES)[number]['code'];

/** What the explorer filters on; empty strings are "any". */
export type AuditFilter = {
  /** A user's e-mail address or id, or an API key's label. */
  user: string;
  /** A Patient id (or `Patient/id`). */
  patient: string;
  action: AuditActionCode | '';
  kind: AuditKind | '';
  outcome: AuditOutcomeCode | '';
  /** First day, `YYYY-MM-DD`, inclusive. */
  from: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  to: string;
};

export type AuditFilterField = keyof AuditFilter;

export const EMPTY_AUDIT_FILTER: AuditFilter = {
  user: '',
  patient: '',
  action: '',
  kind: '',
  outcome: '',
  from: '',
  to: '',
};

const FIELDS: readonly AuditFilterField[] = ['user', 'patient', 'action', 'kind', 'outcome', 'from', 'to'];

/** The value if it is one of the codes, else "any". */
function oneOf<T extends string>(choices: readonly { code: T }[], value: string | null): T | '' {
  return choices.find((choice) => choice.code === value)?.code ?? '';
}

/** The filter a page address holds; unknown codes are dropped, other values kept for the form to judge. */
export function readAuditFilter(params: URLSearchParams): AuditFilter {
  return {
    user: params.get('user')?.trim() ?? '',
    patient: params.get('patient')?.trim() ?? '',
    action: oneOf(AUDIT_ACTIONS, params.get('action')),
    kind: oneOf(AUDIT_KINDS, params.get('kind')),
    outcome: oneOf(AUDIT_OUTCOMES, params.get('outcome')),
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

/** The page address's query for a filter: only the fields that are set. */
export function writeAuditFilter(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filter[field].trim();
    if (value !== '') {
      params.set(field, value);
    }
  }
  return params;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PATIENT_ID = /^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/;

function isValidDay(value: string): boolean {
  return DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** What is wrong with a filter, by field, in words for the form; empty when it can be searched. */
export function findAuditFilterProblems(filter: AuditFilter): Partial<Record<AuditFilterField, string>> {
  const problems: Partial<Record<AuditFilterField, string>> = {};
  if (filter.patient !== '' && !PATIENT_ID.test(filter.patient)) {
    problems.patient = 'A patient id is letters, digits, "-" and "." (up to 64), optionally after "Patient/".';
  }
  for (const field of ['from', 'to'] as const) {
    if (filter[field] !== '' && !isValidDay(filter[field])) {
      problems[field] = 'Enter a date as YYYY-MM-DD.';
    }
  }
  if (!problems.from && !problems.to && filter.from !== '' && filter.to !== '' && filter.from > filter.to) {
    problems.to = 'The last day is before the first day.';
  }
  return problems;
}

/**
 * AuditEvent search parameters for a filter: `agent` is the acting user's id (resolved from an
 * e-mail address by the caller) or an API key's label; the day range is inclusive at both ends
 * (`ge` the first day, `le` the last: a FHIR `le` on a day covers that whole day).
 */
export function auditSearchParams(
  filter: AuditFilter,
  agent: string,
  count: number,
): Record<string, string | string[]> {
  const dates = [...(filter.from === '' ? [] : [`ge${filter.from}`]), ...(filter.to === '' ? [] : [`le${filter.to}`])];
  return {
    ...(agent === '' ? {} : { agent }),
    ...(filter.patient === '' ? {} : { patient: filter.patient.replace(/^Patient\//, '') }),
    ...(filter.action === '' ? {} : { action: filter.action }),
    ...(filter.kind === '' ? {} : { type: filter.kind }),
    ...(filter.outcome === '' ? {} : { outcome: filter.outcome }),
    ...(dates.length === 0 ? {} : { date: dates }),
    _count: String(count),
  };
}

/** Whether any field narrows the search. */
export function isFiltered(filter: AuditFilter): boolean {
  return FIELDS.some((field) => filter[field] !== '');
}
