// oidc-provider's storage adapter on our database: its records in `oauth_record`, clients from
// the client registry, and JWT access tokens revoked with their grant.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../../platform/db/index.ts';
import { tryReadClientMetadata } from './clients.ts';
import { revokeAccessTokensOfGrant } from './access-token-records.ts';

type RecordRow = { payload: AdapterPayload; consumed_at: Date | string | null };

const SELECT = `SELECT payload, consumed_at FROM oauth_record
  WHERE model = $1 AND {column} = $2 AND (expires_at IS NULL OR expires_at > now())`;

function toPayload(row: RecordRow | undefined): AdapterPayload | undefined {
  if (!row) {
    return undefined;
  }
  const consumed = row.consumed_at === null ? {} : { consumed: Math.floor(new Date(row.consumed_at).getTime() / 1000) };
  return { ...row.payload, ...consumed };
}

/** The adapter class oidc-provider instantiates once per model name (`Session`, `Grant`, `Client`…). */
export function createAdapterClass(db: Database): new (model: string) => Adapter {
  return class DatabaseAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null;
      await db.query(
        `INSERT INTO oauth_record (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [
          this.model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresAt,
        ],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        return tryReadClientMetadata(db, id);
      }
      return this.findBy('id', id);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findBy('user_code', userCode);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findBy('uid', uid);
    }

    async consume(id: string): Promise<void> {
      await db.query('UPDATE oauth_record SET consumed_at = now() WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async destroy(id: string): Promise<void> {
      await db.query('DELETE FROM oauth_record WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      if (this.model === 'AccessToken') {
        // JWT access tokens are not records of the provider; ours are revoked in their own table.
        await revokeAccessTokensOfGrant(db, grantId);
      }
      await db.query('DELETE FROM oauth_record WHERE model = $1 AND grant_id = $2', [this.model, grantId]);
    }

    private async findBy(column: 'id' | 'user_code' | 'uid', value: string): Promise<AdapterPayload | undefined> {
      const { rows } = await db.query<RecordRow>(SELECT.replace('{column}', column), [this.model, value]);
      return toPayload(rows[0]);
    }
  };
}

/** Deletes expired provider records and access token entries; run now and then. */
export async function deleteExpiredRecords(db: Database): Promise<void> {
  await db.query('DELETE FROM oauth_record WHERE expires_at < now()');
  await db.query("DELETE FROM oauth_access_token WHERE expires_at < now() - interval '1 hour'");
  await db.query('DELETE FROM oauth_launch WHERE expires_at < now()');
  await db.query('DELETE FROM oauth_grant_context WHERE expires_at < now()');
}
