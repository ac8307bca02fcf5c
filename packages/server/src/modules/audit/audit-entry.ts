// What an audit entry says and the exact bytes its Merkle leaf hashes.
import { hashLeaf } from './merkle.ts';

/** FHIR AuditEvent.action: create, read, update, delete, execute (searches, operations, logins). */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** FHIR AuditEvent.outcome: success, minor failure (a refused login, a read answered 4xx). */
export type AuditOutcome = '0' | '4';

/** Who acted: the credential (an API key or a signed-in user) and where the request came from. */
export type AuditAgent = {
  kind: 'api-key' | 'user' | 'system';
  /** The API key's label, the user's id (`unknown` for an address without an account), or the system component. */
  name: string;
  roles: string[];
  /** The client's network address. */
  address?: string;
};

/** Why: an HL7 v3 PurposeOfUse code and, for break-glass access, the reason given. */
export type AuditPurpose = { code: string; reason?: string };

/** One audit entry, version 1. Resource ids and patient ids only: never clinical content. */
export type AuditEntry = {
  v: 1;
  id: string;
  /** Null for a failed authentication, which belongs to no tenant. */
  tenant: string | null;
  /** ISO instant with milliseconds. */
  recorded: string;
  /** `rest` for FHIR and API interactions, `login` for authentication, `security` for account changes. */
  type: 'rest' | 'login' | 'security';
  /**
   * FHIR restful-interaction code (`read`, `search-type`, `create`…), `operation`, `export`,
   * `login`, or the account change (`mfa.enrolled`, `user.roles-changed`…).
   */
  interaction: string;
  action: AuditAction;
  outcome: AuditOutcome;
  agent: AuditAgent;
  purpose?: AuditPurpose;
  /** `Type/id` of every resource read, returned or written. */
  entities: string[];
  /** Ids of the patients whose records these are (sorted, distinct). */
  patients: string[];
  /** Names of the query parameters (never their values, which may be PHI). */
  query?: string[];
  /** The operation (`$everything`), the API path (`journey`) or why a login failed. */
  detail?: string;
  /** The request id, to find the request in the logs. */
  request?: string;
  /** Why a read failed: its HTTP status and FHIR issue code (`404 not-found`). */
  failure?: string;
};

// Every member an entry may have: a Record, so the compiler fails when a member is added to
// AuditEntry and not here (the encoding test then covers it).
const ENTRY_MEMBERS: Record<keyof AuditEntry, true> = {
  action: true,
  agent: true,
  detail: true,
  entities: true,
  failure: true,
  id: true,
  interaction: true,
  outcome: true,
  patients: true,
  purpose: true,
  query: true,
  recorded: true,
  request: true,
  tenant: true,
  type: true,
  v: true,
};

/** The members an entry may have, in canonical order. */
export const ENTRY_KEYS: readonly string[] = Object.keys(ENTRY_MEMBERS).sort();

const text = JSON.stringify;
const texts = (values: string[]) => `[${values.map((value) => text(value)).join(',')}]`;

/**
 * The canonical JSON text of an entry: what is stored and hashed. Exactly `canonicalJson(entry)`
 * (a test holds them equal), written member by member in sorted order because it runs on every
 * request: four times faster than sorting keys at run time.
 */
export function encodeEntry(entry: AuditEntry): string {
  const { agent, purpose } = entry;
  let json = `{"action":${text(entry.action)},"agent":{`;
  json += agent.address === undefined ? '' : `"address":${text(agent.address)},`;
  json += `"kind":${text(agent.kind)},"name":${text(agent.name)},"roles":${texts(agent.roles)}}`;
  json += entry.detail === undefined ? '' : `,"detail":${text(entry.detail)}`;
  json += `,"entities":${texts(entry.entities)}`;
  json += entry.failure === undefined ? '' : `,"failure":${text(entry.failure)}`;
  json += `,"id":${text(entry.id)},"interaction":${text(entry.interaction)},"outcome":${text(entry.outcome)}`;
  json += `,"patients":${texts(entry.patients)}`;
  if (purpose) {
    const reason = purpose.reason === undefined ? '' : `,"reason":${text(purpose.reason)}`;
    json += `,"purpose":{"code":${text(purpose.code)}${reason}}`;
  }
  json += entry.query === undefined ? '' : `,"query":${texts(entry.query)}`;
  json += `,"recorded":${text(entry.recorded)}`;
  json += entry.request === undefined ? '' : `,"request":${text(entry.request)}`;
  return `${json},"tenant":${text(entry.tenant)},"type":${text(entry.type)},"v":${entry.v}}`;
}

/**
 * MerkleTreeLeaf input: the 8-byte big-endian leaf index, then the entry's canonical JSON. With the
 * index inside the hash, moving an entry to another position changes its leaf hash.
 */
export function leafData(leafIndex: number, content: string): Buffer {
  const index = Buffer.alloc(8);
  index.writeBigUInt64BE(BigInt(leafIndex));
  return Buffer.concat([index, Buffer.from(content, 'utf8')]);
}

/** The leaf hash of the entry at `leafIndex`. */
export function hashEntry(leafIndex: number, content: string): Buffer {
  return hashLeaf(leafData(leafIndex, content));
}

/** The search columns the integrator derives from an entry (stored on its leaf). */
export type EntryColumns = {
  id: string;
  tenantId: string | null;
  recorded: string;
  action: AuditAction;
  agent: string;
  patientIds: string[];
};

export function columnsOf(entry: AuditEntry): EntryColumns {
  return {
    id: entry.id,
    tenantId: entry.tenant,
    recorded: entry.recorded,
    action: entry.action,
    agent: entry.agent.name,
    patientIds: entry.patients,
  };
}

/** Parses stored entry text, checking the shape the verifier relies on; undefined when it is not an entry. */
export function tryParseEntry(content: string): AuditEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return undefined;
  }
  const entry = value as AuditEntry;
  const isEntry =
    typeof value === 'object' &&
    value !== null &&
    entry.v === 1 &&
    typeof entry.id === 'string' &&
    typeof entry.recorded === 'string' &&
    typeof entry.action === 'string' &&
    typeof entry.agent === 'object' &&
    typeof entry.agent.name === 'string' &&
    Array.isArray(entry.patients) &&
    Array.isArray(entry.entities);
  return isEntry ? entry : undefined;
}
