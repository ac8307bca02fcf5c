// `caregraph keys rotate`: a new data key version per tenant, every key re-wrapped under the current
// key-encryption key, and every stored value sealed under an older data key sealed again under the
// new one. Servers keep serving throughout: they read which data key is current on every write, and
// open values under any stored key, so old and new versions are both readable until the re-seal is
// done. Each batch commits on its own and the work left is found again from the data, so an
// interrupted rotation is resumed by running it again.
import type { Database, Queryable } from '../../platform/db/index.ts';
import { sealContextOf, tryFieldEncryptionOf } from './encrypted-database.ts';
import { isEnvelope, keyIdOf, openValue, sealValue, type DataKey } from './envelope.ts';
import { readNewestKeys, toStoredKey, tryInsertKey, type Keyring, type StoredKey } from './keyring.ts';
import { newKeyId } from './envelope.ts';
import { randomBytes } from 'node:crypto';

export type RotationProgress = {
  tenantId: string;
  phase: 'reseal';
  table: 'resource' | 'resource_history';
  resealed: number;
};

export type RotateKeysOptions = {
  /** The database without field encryption: rotation works on the sealed text itself. */
  db: Database;
  keyring: Keyring;
  /** Only these tenants; default every tenant that has keys. */
  tenantIds?: readonly string[];
  /** Add a new data key version (default); false only re-wraps and re-seals under the newest one. */
  isNewDataKey?: boolean;
  /** Rows re-sealed per transaction. */
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  now?: () => Date;
};

export type RotateKeysReport = {
  tenants: number;
  /** Data key versions added. */
  newDataKeys: number;
  /** Keys re-wrapped under the current key-encryption key. */
  rewrappedKeys: number;
  /** Current and historical rows whose sealed values moved to the newest data key. */
  resealedRows: number;
  /** Older data keys no stored value is sealed under any more. */
  retiredKeys: number;
  /** The current key-encryption key's id. */
  kekId: string;
};

type KeyRow = Parameters<typeof toStoredKey>[0];

async function listTenants(db: Queryable, tenantIds: readonly string[] | undefined): Promise<string[]> {
  if (tenantIds) {
    return [...tenantIds];
  }
  const { rows } = await db.query<{ tenant_id: string }>(
    'SELECT DISTINCT tenant_id FROM encryption_key ORDER BY tenant_id',
  );
  return rows.map((row) => row.tenant_id);
}

/** Adds data key version max + 1 for the tenant; the first version when it has none. */
async function addDataKeyVersion(db: Database, keyring: Keyring, tenantId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const newest = (await readNewestKeys(tx, tenantId)).find((key) => key.purpose === 'data');
    const stored = keyring.wrap(
      { keyId: newKeyId(), tenantId, purpose: 'data', version: (newest?.version ?? 0) + 1 },
      randomBytes(32),
    );
    if (!(await tryInsertKey(tx, stored))) {
      throw new Error(`tenant ${tenantId}: another rotation added data key version ${stored.version} first`);
    }
  });
}

/** Re-wraps every key of the tenant that the current KEK does not wrap; returns how many. */
async function rewrapKeys(db: Database, keyring: Keyring, tenantId: string): Promise<number> {
  const current = keyring.keks[0];
  if (!current) {
    return 0;
  }
  const { rows } = await db.query<KeyRow>(
    'SELECT key_id, tenant_id, purpose, version, kek_id, wrapped FROM encryption_key WHERE tenant_id = $1 AND kek_id <> $2',
    [tenantId, current.kekId],
  );
  let rewrapped = 0;
  for (const row of rows) {
    const stored: StoredKey = toStoredKey(row);
    const again = keyring.wrap(stored, keyring.unwrap(stored));
    const { rowCount } = await db.query(
      'UPDATE encryption_key SET kek_id = $1, wrapped = $2 WHERE key_id = $3 AND kek_id = $4',
      [again.kekId, again.wrapped, stored.keyId, stored.kekId],
    );
    rewrapped += rowCount;
  }
  return rewrapped;
}

/** The resource JSON with every envelope under another key sealed again under `target`. */
function resealText(text: string, keys: ReadonlyMap<string, DataKey>, target: DataKey): string {
  const resource = JSON.parse(text) as Record<string, unknown>;
  const context = sealContextOf(resource);
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!isEnvelope(value) || keyIdOf(value) === target.keyId) {
        return value;
      }
      const key = keys.get(keyIdOf(value));
      if (!key) {
        throw new Error(`no stored data key ${keyIdOf(value)}`);
      }
      return sealValue(target, openValue(key, value, context), context);
    }
    if (Array.isArray(value)) {
      return value.map(visit);
    }
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item)]));
    }
    return value;
  };
  return JSON.stringify(visit(resource));
}

type SealedRow = { resource_type: string; id: string; version_id: string; text: string };

/**
 * Re-seals one batch of a table's rows that hold a value sealed under another key than `target`,
 * after `after` in key order; returns the rows read (0 when the table is done) and the last key.
 */
async function resealBatch(
  db: Database,
  keyring: Keyring,
  options: { tenantId: string; table: 'resource' | 'resource_history'; target: DataKey; batchSize: number },
  after: [string, string, string],
): Promise<{ read: number; resealed: number; last: [string, string, string] }> {
  const { tenantId, table, target, batchSize } = options;
  return db.transaction(async (tx) => {
    // Every envelope names its key, so text search finds the rows still to do without any state.
    const { rows } = await tx.query<SealedRow>(
      `SELECT resource_type, id, version_id::text AS version_id, content::text AS text FROM ${table}
       WHERE tenant_id = $1 AND (resource_type, id, version_id) > ($2, $3, $4::bigint)
         AND content::text LIKE '%"cgenc:1:%' AND content::text NOT LIKE $5
       ORDER BY resource_type, id, version_id LIMIT $6`,
      [tenantId, after[0], after[1], after[2], `%"cgenc:1:${target.keyId}:%`, batchSize],
    );
    const keyIds = new Set<string>();
    for (const row of rows) {
      for (const match of row.text.matchAll(/"cgenc:1:([A-Za-z0-9_-]{16}):/g)) {
        if (match[1] && match[1] !== target.keyId) {
          keyIds.add(match[1]);
        }
      }
    }
    const keys = keyIds.size > 0 ? await keyring.dataKeys(tx, keyIds) : new Map<string, DataKey>();
    let resealed = 0;
    for (const row of rows) {
      // Only if the row is still that version: a concurrent write already sealed under the newest key.
      const { rowCount } = await tx.query(
        `UPDATE ${table} SET content = $1::jsonb
         WHERE tenant_id = $2 AND resource_type = $3 AND id = $4 AND version_id = $5::bigint`,
        [resealText(row.text, keys, target), tenantId, row.resource_type, row.id, row.version_id],
      );
      resealed += rowCount;
    }
    const last = rows.at(-1);
    return { read: rows.length, resealed, last: last ? [last.resource_type, last.id, last.version_id] : after };
  });
}

/** Re-seals a tenant's current and historical rows under its newest data key; returns the rows changed. */
async function resealTenant(
  options: RotateKeysOptions & { batchSize: number },
  tenantId: string,
  target: DataKey,
): Promise<number> {
  let total = 0;
  for (const table of ['resource', 'resource_history'] as const) {
    let after: [string, string, string] = ['', '', '0'];
    let resealed = 0;
    for (;;) {
      const batch = await resealBatch(
        options.db,
        options.keyring,
        { tenantId, table, target, batchSize: options.batchSize },
        after,
      );
      if (batch.read === 0) {
        break;
      }
      resealed += batch.resealed;
      after = batch.last;
      options.onProgress?.({ tenantId, phase: 'reseal', table, resealed });
    }
    total += resealed;
  }
  return total;
}

/** Marks the tenant's older data keys retired when no stored value is sealed under them any more. */
async function retireOldKeys(db: Queryable, tenantId: string, currentKeyId: string, now: Date): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE encryption_key k SET retired_at = $3
     WHERE k.tenant_id = $1 AND k.purpose = 'data' AND k.key_id <> $2 AND k.retired_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM resource r WHERE r.tenant_id = $1 AND r.content::text LIKE '%"cgenc:1:' || k.key_id || ':%')
       AND NOT EXISTS (SELECT 1 FROM resource_history h WHERE h.tenant_id = $1 AND h.content::text LIKE '%"cgenc:1:' || k.key_id || ':%')`,
    [tenantId, currentKeyId, now],
  );
  return rowCount;
}

/** Rotates the data keys of every tenant (or the named ones); see the file comment. */
export async function rotateKeys(options: RotateKeysOptions): Promise<RotateKeysReport> {
  const { db, keyring } = options;
  if (tryFieldEncryptionOf(db)) {
    // Through the wrapper the rows would come back opened, and re-sealing would store plaintext.
    throw new Error('rotateKeys needs the database without field encryption');
  }
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 200;
  const tenants = await listTenants(db, options.tenantIds);
  const report: RotateKeysReport = {
    tenants: tenants.length,
    newDataKeys: 0,
    rewrappedKeys: 0,
    resealedRows: 0,
    retiredKeys: 0,
    kekId: keyring.keks[0]?.kekId ?? '',
  };
  for (const tenantId of tenants) {
    if (options.isNewDataKey ?? true) {
      await addDataKeyVersion(db, keyring, tenantId);
      report.newDataKeys += 1;
    }
    report.rewrappedKeys += await rewrapKeys(db, keyring, tenantId);
    const newest = (await readNewestKeys(db, tenantId)).find((key) => key.purpose === 'data');
    if (!newest) {
      continue;
    }
    const target: DataKey = { keyId: newest.keyId, key: keyring.unwrap(newest) };
    // A write that read the old key as current just before the new one committed may land behind the
    // scan; the next pass picks it up, and a pass that changes nothing ends the re-seal.
    for (let pass = 0; pass < 5; pass += 1) {
      const resealed = await resealTenant({ ...options, batchSize }, tenantId, target);
      report.resealedRows += resealed;
      if (resealed === 0) {
        break;
      }
    }
    report.retiredKeys += await retireOldKeys(db, tenantId, newest.keyId, now());
  }
  return report;
}
