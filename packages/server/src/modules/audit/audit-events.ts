// The audit trail as FHIR R4 AuditEvent resources: rendered from the entries (never stored as
// ordinary resources) and searched by patient, agent, date and action on the search columns the
// integrator derives (and, for entries not integrated yet, on their content).
import type { CapabilityStatementRestResourceSearchParam } from '@caregraph/core/fhir';
import type { AuditEvent as FhirAuditEvent, Bundle } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/db/index.ts';
import { tryParseEntry, type AuditEntry } from './audit-entry.ts';
import { AuditError } from './errors.ts';
import { flushJournal } from './import-journal.ts';
import { PENDING_ENTRIES } from './integrate.ts';
import { isDatabase } from './record-entry.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const PURPOSE_OF_USE = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const API_KEY_SYSTEM = 'urn:caregraph:api-key';

const CAREGRAPH_EVENT = 'urn:caregraph:audit-event';

type Coding = { system: string; code: string; display?: string };

/** DICOM codes (PS3.16 CID 400, 401) for account and security changes, by the entry's interaction. */
const SECURITY_SUBTYPES: Record<string, Coding> = {
  'user.roles-changed': { system: DCM, code: '110136', display: 'Security Roles Changed' },
  'mfa-policy.changed': { system: DCM, code: '110129', display: 'Security Configuration' },
};
const USER_SECURITY_ATTRIBUTES_CHANGED: Coding = {
  system: DCM,
  code: '110137',
  display: 'User Security Attributes Changed',
};

/**
 * AuditEvent.type and subtype from the entry's own type and interaction: a login is DICOM User
 * Authentication / Login, an account change a Security Alert with the DICOM code of its kind, and
 * both also carry CareGraph's own event code (`mfa.enrolled`, `login`) so no detail is lost.
 */
function typeAndSubtype(entry: AuditEntry): { type: Coding; subtype: Coding[] } {
  const own = { system: CAREGRAPH_EVENT, code: entry.interaction };
  switch (entry.type) {
    case 'login':
      return {
        type: { system: DCM, code: '110114', display: 'User Authentication' },
        subtype: [{ system: DCM, code: '110122', display: 'Login' }, own],
      };
    case 'security':
      return {
        type: { system: DCM, code: '110113', display: 'Security Alert' },
        subtype: [SECURITY_SUBTYPES[entry.interaction] ?? USER_SECURITY_ATTRIBUTES_CHANGED, own],
      };
    case 'rest':
      return {
        type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
        subtype: [
          entry.interaction === 'export'
            ? { system: AUDIT_EVENT_TYPE, code: 'export' }
            : { system: RESTFUL_INTERACTION, code: entry.interaction },
        ],
      };
  }
}

const AGENT_SYSTEMS: Record<AuditEntry['agent']['kind'], string> = {
  'api-key': API_KEY_SYSTEM,
  user: 'urn:caregraph:user',
  system: 'urn:caregraph:system',
};

/** Renders one entry as an R4 AuditEvent. */
export function toAuditEvent(entry: AuditEntry): FhirAuditEvent {
  // A break-glass reason comes only with break-glass access: BTG is coded beside a declared purpose.
  const isBreakGlassBeside = entry.purpose?.reason !== undefined && entry.purpose.code !== 'BTG';
  const purposeOfUse = entry.purpose
    ? [
        {
          coding: [
            { system: PURPOSE_OF_USE, code: entry.purpose.code },
            ...(isBreakGlassBeside ? [{ system: PURPOSE_OF_USE, code: 'BTG' }] : []),
          ],
          ...(entry.purpose.reason ? { text: entry.purpose.reason } : {}),
        },
      ]
    : undefined;
  const outcomeDesc = entry.failure ?? (entry.outcome !== '0' ? entry.detail : undefined);
  return {
    resourceType: 'AuditEvent',
    id: entry.id,
    meta: { lastUpdated: entry.recorded },
    ...typeAndSubtype(entry),
    action: entry.action,
    recorded: entry.recorded,
    outcome: entry.outcome,
    ...(outcomeDesc ? { outcomeDesc } : {}),
    ...(purposeOfUse ? { purposeOfEvent: purposeOfUse } : {}),
    agent: [
      {
        who: {
          identifier: { system: AGENT_SYSTEMS[entry.agent.kind], value: entry.agent.name },
          display: entry.agent.name,
        },
        requestor: true,
        ...(entry.agent.roles.length > 0 ? { role: entry.agent.roles.map((role) => ({ text: role })) } : {}),
        ...(entry.agent.address ? { network: { address: entry.agent.address, type: '2' as const } } : {}),
        ...(purposeOfUse ? { purposeOfUse } : {}),
      },
    ],
    source: {
      observer: { display: 'CareGraph' },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: entry.entities.map((reference) => ({
      what: { reference },
      type: reference.startsWith('Patient/')
        ? { system: ENTITY_TYPE, code: '1', display: 'Person' }
        : { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      ...(entry.detail && entry.interaction === 'operation' ? { description: entry.detail } : {}),
    })),
  };
}

/**
 * What an AuditEvent search filters on. Every filter narrows within one tenant; a patient's own
 * view of who accessed their record is this search with `patient` forced to them.
 */
export type AuditEventFilter = {
  tenantId: string;
  id?: string;
  patient?: string;
  agent?: string;
  /** Leaves out one agent's entries (a patient's own use of their record). */
  excludeAgent?: string;
  action?: string;
  /** The entry's own type: `rest`, `login` or `security`. */
  type?: string;
  /** The entry's interaction (`read`, `create`, `oauth.token-issued`, `mfa.enrolled`…). */
  subtype?: string;
  /** `0` success, `4` refused. */
  outcome?: string;
  /** `recorded` bounds: [operator, instant] with ge, gt, le, lt, eq (a day for eq). */
  dates: Array<{ op: 'ge' | 'gt' | 'le' | 'lt' | 'eq'; value: string }>;
  count: number;
  offset: number;
};

/** The search parameters AuditEvent answers, for the CapabilityStatement. */
export const AUDIT_EVENT_SEARCH_PARAMETERS: CapabilityStatementRestResourceSearchParam[] = [
  { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
  {
    name: '_lastUpdated',
    type: 'date',
    definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
    documentation: 'When the event was recorded (the same as date)',
  },
  {
    name: 'action',
    type: 'token',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-action',
    documentation: 'C, R, U, D or E',
  },
  {
    name: 'agent',
    type: 'reference',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-agent',
    documentation: "The agent's identifier value: an API key's label, a user's id, or caregraph",
  },
  { name: 'date', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-date' },
  {
    name: 'outcome',
    type: 'token',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-outcome',
    documentation: '0 (success) or 4 (refused)',
  },
  {
    name: 'patient',
    type: 'reference',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-patient',
    documentation: 'A patient whose record the event read or changed',
  },
  {
    name: 'subtype',
    type: 'token',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-subtype',
    documentation:
      'The restful interaction (read, search-type, create…) or CareGraph event code (login, mfa.enrolled…)',
  },
  {
    name: 'type',
    type: 'token',
    definition: 'http://hl7.org/fhir/SearchParameter/AuditEvent-type',
    documentation: 'rest (RESTful operation), 110114 (user authentication) or 110113 (security alert)',
  },
];

/** AuditEvent.type codes by the entry type they stand for (the entry type itself is accepted too). */
const ENTRY_TYPES: Record<string, string> = {
  rest: 'rest',
  '110114': 'login',
  login: 'login',
  '110113': 'security',
  security: 'security',
};

const SEARCH_PARAMETERS = new Set<string>([
  ...AUDIT_EVENT_SEARCH_PARAMETERS.map((parameter) => parameter.name),
  '_count',
  '_offset',
  '_format',
  '_pretty',
]);

function invalid(name: string, message: string): AuditError {
  return new AuditError(400, 'AUDIT_INVALID_PARAMETER', `Invalid ${name}: ${message}`);
}

function parseDate(value: string): AuditEventFilter['dates'][number] {
  const match = /^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?)$/.exec(value);
  if (!match || Number.isNaN(Date.parse(match[2] as string))) {
    throw invalid('date', `expected [ge|gt|le|lt|eq]YYYY-MM-DD or an instant, got "${value.slice(0, 40)}"`);
  }
  return { op: (match[1] ?? 'eq') as 'eq', value: match[2] as string };
}

function parseCount(name: string, value: string, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > max) {
    throw invalid(name, `expected an integer from 0 to ${max}`);
  }
  return number;
}

/** The code of a token (`system|code` or `code`). */
const tokenCode = (value: string) => value.slice(value.lastIndexOf('|') + 1);

/** Parses AuditEvent search parameters; unknown ones are refused rather than ignored. */
export function parseAuditEventQuery(tenantId: string, query: Array<[string, string]>): AuditEventFilter {
  const filter: AuditEventFilter = { tenantId, dates: [], count: 50, offset: 0 };
  for (const [name, value] of query) {
    if (!SEARCH_PARAMETERS.has(name)) {
      throw invalid(
        'parameter',
        `AuditEvent is searched by _id, _lastUpdated, action, agent, date, outcome, patient, subtype and type, not "${name.slice(0, 40)}"`,
      );
    }
    if (name === '_id') {
      filter.id = value;
    } else if (name === 'patient') {
      filter.patient = value.replace(/^Patient\//, '');
    } else if (name === 'agent') {
      filter.agent = value;
    } else if (name === 'action') {
      // An unknown code matches nothing, as for any token.
      filter.action = tokenCode(value);
    } else if (name === 'type') {
      // An unknown code matches nothing.
      filter.type = ENTRY_TYPES[tokenCode(value)] ?? '';
    } else if (name === 'subtype') {
      filter.subtype = tokenCode(value);
    } else if (name === 'outcome') {
      filter.outcome = tokenCode(value);
    } else if (name === 'date' || name === '_lastUpdated') {
      filter.dates.push(parseDate(value));
    } else if (name === '_count') {
      filter.count = parseCount(name, value, 1000);
    } else if (name === '_offset') {
      filter.offset = parseCount(name, value, 1_000_000);
    }
  }
  return filter;
}

const DATE_SQL = { ge: '>=', gt: '>', le: '<=', lt: '<' } as const;

/**
 * SQL comparisons of `recorded` for a date parameter, `?` standing for its value. A day is the
 * range of its instants (R4 search §3.1.1.4.6): `eq2024-03-01` is every entry of that day,
 * `le2024-03-01` is before the next day.
 */
function dateConditions(date: AuditEventFilter['dates'][number]): Array<[string, string]> {
  const isDay = date.value.length === 10;
  const instant = '?::timestamptz';
  const nextDay = '(?::date + 1)::timestamptz';
  if (!isDay) {
    return date.op === 'eq' ? [['=', instant]] : [[DATE_SQL[date.op], instant]];
  }
  switch (date.op) {
    case 'eq':
      return [
        ['>=', instant],
        ['<', nextDay],
      ];
    case 'ge':
      return [['>=', instant]];
    case 'lt':
      return [['<', instant]];
    case 'gt':
      return [['>=', nextDay]];
    case 'le':
      return [['<', nextDay]];
  }
}

/**
 * Every entry with its search columns: those in the tree from their leaves, and those committed but
 * not yet integrated (at most a publish interval's worth) from their content, so a search sees an
 * entry as soon as it is committed. Filters on the outer query are pushed into both branches.
 */
const ENTRIES_WITH_COLUMNS = `SELECT e.content, l.entry_id, l.tenant_id, l.recorded, l.action,
         l.agent, l.patient_ids
  FROM audit_leaf l JOIN audit_entry e ON e.txid = l.entry_txid AND e.seq = l.entry_seq
  UNION ALL
  SELECT p.content, (p.entry ->> 'id')::uuid, p.entry ->> 'tenant', (p.entry ->> 'recorded')::timestamptz,
         p.entry ->> 'action', p.entry -> 'agent' ->> 'name',
         ARRAY(SELECT jsonb_array_elements_text(p.entry -> 'patients'))
  FROM (SELECT pending.content, pending.content::jsonb AS entry FROM (${PENDING_ENTRIES}) pending) p`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The entries matching a filter, newest first, one page (one more than `count` to tell if there is a next page). */
export async function searchAuditEntries(q: Queryable, filter: AuditEventFilter): Promise<AuditEntry[]> {
  if (isDatabase(q)) {
    // The embedded database's journal holds the latest entries: they are searchable once recorded, as committed ones are.
    await flushJournal(q);
  }
  const params: unknown[] = [filter.tenantId];
  const conditions = ['tenant_id = $1'];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.id !== undefined) {
    if (!UUID.test(filter.id)) {
      return [];
    }
    add((p) => `entry_id = ${p}::uuid`, filter.id);
  }
  if (filter.patient !== undefined) {
    add((p) => `patient_ids @> ARRAY[${p}::text]`, filter.patient);
  }
  if (filter.agent !== undefined) {
    add((p) => `agent = ${p}`, filter.agent);
  }
  if (filter.excludeAgent !== undefined) {
    add((p) => `agent <> ${p}`, filter.excludeAgent);
  }
  if (filter.action !== undefined) {
    add((p) => `action = ${p}`, filter.action);
  }
  // Not search columns of their own: rarely searched alone, so read from the entry the other
  // conditions (tenant at least) have narrowed to.
  for (const [member, value] of [
    ['type', filter.type],
    ['interaction', filter.subtype],
    ['outcome', filter.outcome],
  ] as const) {
    if (value !== undefined) {
      add((p) => `content::jsonb ->> '${member}' = ${p}`, value);
    }
  }
  for (const date of filter.dates) {
    for (const [op, bound] of dateConditions(date)) {
      add((p) => `recorded ${op} ${bound.replace('?', p)}`, date.value);
    }
  }
  params.push(filter.count + 1, filter.offset);
  const { rows } = await q.query<{ content: string }>(
    `SELECT content FROM (${ENTRIES_WITH_COLUMNS}) entry WHERE ${conditions.join(' AND ')}
     ORDER BY recorded DESC, entry_id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map((row) => tryParseEntry(row.content)).filter((entry): entry is AuditEntry => entry !== undefined);
}

/** One AuditEvent by id, within a tenant. */
export async function tryReadAuditEntry(q: Queryable, tenantId: string, id: string): Promise<AuditEntry | undefined> {
  const [entry] = await searchAuditEntries(q, { tenantId, id, dates: [], count: 1, offset: 0 });
  return entry;
}

/** A searchset Bundle of AuditEvents with self and next links. */
export function toSearchBundle(options: {
  entries: AuditEntry[];
  filter: AuditEventFilter;
  query: Array<[string, string]>;
  baseUrl: string;
}): Bundle {
  const { entries, filter, query, baseUrl } = options;
  const page = entries.slice(0, filter.count);
  const link = (offset: number) => {
    const search = new URLSearchParams(query.filter(([name]) => name !== '_offset'));
    search.set('_offset', String(offset));
    return `${baseUrl}/AuditEvent?${search.toString()}`;
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: link(filter.offset) },
      ...(entries.length > filter.count && filter.count > 0
        ? [{ relation: 'next', url: link(filter.offset + filter.count) }]
        : []),
    ],
    entry: page.map((entry) => ({
      fullUrl: `${baseUrl}/AuditEvent/${entry.id}`,
      resource: toAuditEvent(entry),
      search: { mode: 'match' as const },
    })),
  };
}
