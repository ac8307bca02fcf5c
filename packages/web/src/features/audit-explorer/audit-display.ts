// How audit entries read on screen: the AuditEvent of the list and the proven entry of the detail view.
import type { AuditEvent } from '@caregraph/core/fhir';
import { AUDIT_ACTIONS } from './audit-filter.ts';

/** An audit entry as stored (and hashed): what the detail view shows of the proven text. */
export type AuditEntryView = {
  id: string;
  recorded: string;
  type: string;
  interaction: string;
  action: string;
  outcome: string;
  agent: { kind: string; name: string; roles: string[]; address?: string };
  purpose?: { code: string; reason?: string };
  entities: string[];
  patients: string[];
  query?: string[];
  detail?: string;
  request?: string;
  failure?: string;
};

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The entry in a proof's canonical text, or undefined when the text is not an entry. */
export function parseAuditEntry(text: string): AuditEntryView | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const entry = value as Partial<AuditEntryView>;
  const agent = entry.agent;
  const isEntry =
    typeof entry.id === 'string' &&
    typeof entry.recorded === 'string' &&
    typeof entry.interaction === 'string' &&
    typeof entry.action === 'string' &&
    typeof agent === 'object' &&
    typeof agent.name === 'string' &&
    isStringArray(agent.roles) &&
    isStringArray(entry.entities) &&
    isStringArray(entry.patients);
  return isEntry ? (entry as AuditEntryView) : undefined;
}

/** "Read", "Create"… for an AuditEvent.action code. */
export function describeAuditAction(code: string | undefined): string {
  return AUDIT_ACTIONS.find((action) => action.code === code)?.label.replace(/ \(.*\)$/, '') ?? code ?? '—';
}

/**
 * What happened, in a word or two: CareGraph's own event code when there is one (`login`,
 * `user.status-changed`), else the FHIR interaction (`read`, `search-type`).
 */
export function describeAuditEvent(event: AuditEvent): string {
  const codings = event.subtype ?? [];
  const own = codings.find((coding) => coding.system === 'urn:caregraph:audit-event')?.code;
  const interaction = own ?? codings[0]?.code ?? event.type.code ?? 'event';
  const operation = event.entity?.find((entity) => entity.description)?.description;
  return operation ? `${interaction} ${operation}` : interaction;
}

/** Who acted: the requesting agent's identifier, as an e-mail address when it is a known user. */
export function describeAuditAgent(event: AuditEvent, emailsById: ReadonlyMap<string, string>): string {
  const who = event.agent.find((agent) => agent.requestor)?.who ?? event.agent[0]?.who;
  const name = who?.identifier?.value ?? who?.display ?? 'unknown';
  return emailsById.get(name) ?? name;
}

/** The resources an event touched, shortened for a table cell: the first few and how many more. */
export function summariseEntities(event: AuditEvent, shown = 2): string {
  const references = (event.entity ?? []).flatMap((entity) => (entity.what?.reference ? [entity.what.reference] : []));
  if (references.length === 0) {
    return '—';
  }
  const rest = references.length - shown;
  return rest > 0 ? `${references.slice(0, shown).join(', ')} +${rest} more` : references.join(', ');
}

/** Whether the event succeeded (outcome 0) or failed (4, 8, 12). */
export function isAuditSuccess(event: Pick<AuditEvent, 'outcome'>): boolean {
  return event.outcome === undefined || event.outcome === '0';
}

const recordedFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});

/** A recorded instant in the reader's time zone; the raw text when it is not an instant. */
export function formatRecorded(recorded: string | undefined): string {
  if (recorded === undefined) {
    return '—';
  }
  const time = Date.parse(recorded);
  return Number.isNaN(time) ? recorded : recordedFormat.format(time);
}
