// The per-tenant keys behind field encryption, stored wrapped in `encryption_key` and unwrapped on
// demand with the configured key-encryption keys. Unwrapped keys are cached by key id only: ids are
// random and never reused, so an entry can never stand for other key material, even when the
// transaction that created the key rolled back. Which key is *current* is read from the database on
// every use, inside the caller's transaction, so a rotation is seen at once by every node.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/index.ts';
import { newKeyId, unwrapKey, wrapKey, type DataKey } from './envelope.ts';
import { toKeyEncryptionKey, type KeyEncryptionKey } from './key-encryption-keys.ts';

export type KeyPurpose = 'data' | 'blind-index';

/** A stored key row. */
export type StoredKey = {
  keyId: string;
  tenantId: string;
  purpose: KeyPurpose;
  version: number;
  kekId: string;
  wrapped: string;
};

/** A tenant's keys for new writes: the newest data key and the blind-index key. */
export type CurrentKeys = { data: DataKey; blindIndex: DataKey };

export type Keyring = {
  /** The configured KEKs, the current one first. */
  readonly keks: readonly KeyEncryptionKey[];
  /** The tenant's current keys, created (version 1) in the caller's transaction when it has none. */
  currentKeys: (q: Queryable, tenantId: string) => Promise<CurrentKeys>;
  /** The tenant's blind-index key, or undefined when nothing of the tenant was ever sealed. */
  tryBlindIndexKey: (q: Queryable, tenantId: string) => Promise<DataKey | undefined>;
  /** Data keys by id, for opening sealed values; throws when an id is unknown. */
  dataKeys: (q: Queryable, keyIds: ReadonlySet<string>) => Promise<Map<string, DataKey>>;
  /** Unwraps a stored key with whichever configured KEK wrapped it. */
  unwrap: (stored: StoredKey) => Buffer;
  /** Wraps key material under the current KEK. */
  wrap: (stored: Omit<StoredKey, 'kekId' | 'wrapped'>, key: Buffer) => StoredKey;
};

/** Thrown when a key is missing or wrapped by a KEK that is not configured. */
export class KeyUnavailableError extends Error {
  override readonly name = 'KeyUnavailableError';
}

type KeyRow = {
  key_id: string;
  tenant_id: string;
  purpose: KeyPurpose;
  version: number;
  kek_id: string;
  wrapped: string;
};

const KEY_COLUMNS = 'key_id, tenant_id, purpose, version, kek_id, wrapped';

export const toStoredKey = (row: KeyRow): StoredKey => ({
  keyId: row.key_id,
  tenantId: row.tenant_id,
  purpose: row.purpose,
  version: row.version,
  kekId: row.kek_id,
  wrapped: row.wrapped,
});

/** What the wrapped key's AAD says it is, so a wrapped key moved to another row does not unwrap. */
const wrapLabel = (stored: Pick<StoredKey, 'tenantId' | 'purpose' | 'keyId'>) =>
  `${stored.tenantId}:${stored.purpose}:${stored.keyId}`;

/** Inserts a stored key; false when that tenant, purpose and version already has one. */
export async function tryInsertKey(q: Queryable, stored: StoredKey): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO encryption_key (key_id, tenant_id, purpose, version, kek_id, wrapped) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, purpose, version) DO NOTHING`,
    [stored.keyId, stored.tenantId, stored.purpose, stored.version, stored.kekId, stored.wrapped],
  );
  return rowCount === 1;
}

/** The newest key of each purpose of a tenant. */
export async function readNewestKeys(q: Queryable, tenantId: string): Promise<StoredKey[]> {
  const { rows } = await q.query<KeyRow>(
    `SELECT DISTINCT ON (purpose) ${KEY_COLUMNS} FROM encryption_key WHERE tenant_id = $1 ORDER BY purpose, version DESC`,
    [tenantId],
    { name: 'encryption-newest-keys' },
  );
  return rows.map(toStoredKey);
}

/**
 * A keyring over the given key-encryption keys, the current one first.
 * @example createKeyring(config.encryption.keks)
 */
export function createKeyring(kekMaterial: readonly Buffer[]): Keyring {
  const keks = kekMaterial.map(toKeyEncryptionKey);
  const current = keks[0];
  if (!current) {
    throw new KeyUnavailableError('field encryption needs at least one key-encryption key');
  }
  const cache = new Map<string, Buffer>();

  const unwrap = (stored: StoredKey): Buffer => {
    const cached = cache.get(stored.keyId);
    if (cached) {
      return cached;
    }
    const kek = keks.find((candidate) => candidate.kekId === stored.kekId);
    if (!kek) {
      throw new KeyUnavailableError(`key ${stored.keyId} is wrapped by KEK ${stored.kekId}, which is not configured`);
    }
    const key = unwrapKey(kek.key, stored.wrapped, wrapLabel(stored));
    cache.set(stored.keyId, key);
    return key;
  };

  const wrap = (stored: Omit<StoredKey, 'kekId' | 'wrapped'>, key: Buffer): StoredKey => ({
    ...stored,
    kekId: current.kekId,
    wrapped: wrapKey(current.key, key, wrapLabel(stored)),
  });

  const newKey = (tenantId: string, purpose: KeyPurpose, version: number) =>
    wrap({ keyId: newKeyId(), tenantId, purpose, version }, randomBytes(32));

  async function currentKeys(q: Queryable, tenantId: string): Promise<CurrentKeys> {
    let newest = await readNewestKeys(q, tenantId);
    const missing = (['data', 'blind-index'] as const).filter((purpose) => !newest.some((k) => k.purpose === purpose));
    if (missing.length > 0) {
      for (const purpose of missing) {
        await tryInsertKey(q, newKey(tenantId, purpose, 1));
      }
      // Another transaction may have created them first: theirs win, read back what is stored.
      newest = await readNewestKeys(q, tenantId);
    }
    const data = newest.find((k) => k.purpose === 'data');
    const blindIndex = newest.find((k) => k.purpose === 'blind-index');
    if (!data || !blindIndex) {
      throw new KeyUnavailableError(`tenant ${tenantId} has no encryption keys`);
    }
    return {
      data: { keyId: data.keyId, key: unwrap(data) },
      blindIndex: { keyId: blindIndex.keyId, key: unwrap(blindIndex) },
    };
  }

  async function tryBlindIndexKey(q: Queryable, tenantId: string): Promise<DataKey | undefined> {
    const stored = (await readNewestKeys(q, tenantId)).find((k) => k.purpose === 'blind-index');
    return stored ? { keyId: stored.keyId, key: unwrap(stored) } : undefined;
  }

  async function dataKeys(q: Queryable, keyIds: ReadonlySet<string>): Promise<Map<string, DataKey>> {
    const found = new Map<string, DataKey>();
    const unknown: string[] = [];
    for (const keyId of keyIds) {
      const cached = cache.get(keyId);
      if (cached) {
        found.set(keyId, { keyId, key: cached });
      } else {
        unknown.push(keyId);
      }
    }
    if (unknown.length > 0) {
      const { rows } = await q.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM encryption_key WHERE key_id = ANY($1::text[]) AND purpose = 'data'`,
        [unknown],
      );
      for (const row of rows) {
        const stored = toStoredKey(row);
        found.set(stored.keyId, { keyId: stored.keyId, key: unwrap(stored) });
      }
      const lost = unknown.find((keyId) => !found.has(keyId));
      if (lost) {
        throw new KeyUnavailableError(`data key ${lost} is not stored`);
      }
    }
    return found;
  }

  return { keks, currentKeys, tryBlindIndexKey, dataKeys, unwrap, wrap };
}
