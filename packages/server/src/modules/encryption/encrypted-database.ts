// The one place sealed fields are opened: a Database whose query results come back with every sealed
// value in a resource opened, whichever module sent the query (FHIR reads, search pages, includes,
// $everything, history, the patient index, journey rebuilds). Code that needs the keys to seal
// (the FHIR store) finds them through the same Queryable it writes with.
import type { Database, Queryable, QueryResult } from '../../platform/db/index.ts';
import { EnvelopeError, ENVELOPE_PREFIX, isEnvelope, keyIdOf, openValue, type DataKey } from './envelope.ts';
import type { Keyring } from './keyring.ts';

/** Which fields are sealed, and the keys. */
export type FieldPolicy = Readonly<{
  identifierSystems: ReadonlySet<string>;
  sealsAttachments: boolean;
  sealsNotes: boolean;
}>;

export type FieldEncryption = Readonly<{ keyring: Keyring; policy: FieldPolicy }>;

const encryptionOf = new WeakMap<Queryable, FieldEncryption>();

/** The field encryption of a database or transaction opened through {@link withFieldEncryption}. */
export function tryFieldEncryptionOf(q: Queryable): FieldEncryption | undefined {
  return encryptionOf.get(q);
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Calls `visit` with every envelope (sealed value) in `value`, and where it is. */
export function forEachSealed(
  value: unknown,
  visit: (sealed: string, parent: Json | unknown[], key: string | number) => void,
) {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (typeof item === 'string') {
        if (isEnvelope(item)) {
          visit(item, value, index);
        }
      } else {
        forEachSealed(item, visit);
      }
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') {
        if (isEnvelope(item)) {
          visit(item, value, key);
        }
      } else if (typeof item === 'object' && item !== null) {
        forEachSealed(item, visit);
      }
    }
  }
}

/** The AAD context a resource's values are sealed under: its type and id. */
export const sealContextOf = (resource: Json) => `${String(resource.resourceType)}/${String(resource.id)}`;

/** A resource found in a result row, and how to put it back. */
type Candidate = { resource: Json; store: (opened: Json) => void };

/** Resources in the rows that hold sealed values: JSON text or parsed jsonb with a resourceType. */
function findCandidates(rows: Json[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      if (typeof value === 'string') {
        // The cheap test first: almost no column is resource JSON with a sealed value in it.
        if (value.startsWith('{') && value.includes(`"${ENVELOPE_PREFIX}`)) {
          const parsed: unknown = JSON.parse(value);
          if (isRecord(parsed) && typeof parsed.resourceType === 'string') {
            candidates.push({ resource: parsed, store: (opened) => (row[column] = JSON.stringify(opened)) });
          }
        }
      } else if (isRecord(value) && typeof value.resourceType === 'string') {
        candidates.push({ resource: value, store: () => {} });
      }
    }
  }
  return candidates;
}

/**
 * Opens, in place, every sealed value of every resource in the rows (JSON text columns are replaced
 * by their opened text). Keys are fetched in one query through `q`, so inside the same transaction.
 */
export async function openSealedRows(q: Queryable, keyring: Keyring, rows: Json[]): Promise<void> {
  const candidates = findCandidates(rows);
  const keyIds = new Set<string>();
  const sealed: Array<{ candidate: Candidate; values: Array<[string, Json | unknown[], string | number]> }> = [];
  for (const candidate of candidates) {
    const values: Array<[string, Json | unknown[], string | number]> = [];
    forEachSealed(candidate.resource, (value, parent, key) => {
      keyIds.add(keyIdOf(value));
      values.push([value, parent, key]);
    });
    if (values.length > 0) {
      sealed.push({ candidate, values });
    }
  }
  if (sealed.length === 0) {
    return;
  }
  const keys = await keyring.dataKeys(q, keyIds);
  for (const { candidate, values } of sealed) {
    const context = sealContextOf(candidate.resource);
    for (const [value, parent, key] of values) {
      const dataKey: DataKey | undefined = keys.get(keyIdOf(value));
      if (!dataKey) {
        throw new EnvelopeError(`no key for a sealed value of ${context}`);
      }
      (parent as Record<string | number, unknown>)[key] = openValue(dataKey, value, context);
    }
    candidate.store(candidate.resource);
  }
}

function wrapQueryable(inner: Queryable, encryption: FieldEncryption): Queryable {
  const wrapped: Queryable = {
    async query<Row>(sql: string, params?: readonly unknown[], options?: Parameters<Queryable['query']>[2]) {
      const result: QueryResult<Row> = await inner.query<Row>(sql, params, options);
      if (result.rows.length > 0) {
        await openSealedRows(inner, encryption.keyring, result.rows as Json[]);
      }
      return result;
    },
    exec: (sql) => inner.exec(sql),
  };
  encryptionOf.set(wrapped, encryption);
  return wrapped;
}

/**
 * The database with field encryption: results come back opened, and transactions carry the keys
 * for sealing. Wrapping a database that already is returns it unchanged.
 */
export function withFieldEncryption(db: Database, encryption: FieldEncryption): Database {
  if (encryptionOf.has(db)) {
    return db;
  }
  const queryable = wrapQueryable(db, encryption);
  const wrapped: Database = {
    query: queryable.query,
    exec: queryable.exec,
    get mode() {
      return db.mode;
    },
    get dataDir() {
      return db.dataDir;
    },
    get hasVector() {
      return db.hasVector;
    },
    transaction: (work) => db.transaction((tx) => work(wrapQueryable(tx, encryption))),
    genericPlans: (work) => db.genericPlans((q) => work(wrapQueryable(q, encryption))),
    listen: (channel, onNotification) => db.listen(channel, onNotification),
    close: () => db.close(),
  };
  encryptionOf.set(wrapped, encryption);
  return wrapped;
}
