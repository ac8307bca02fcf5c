// A keyed blind index (HMAC-SHA-256, RFC 2104) for exact search on sealed identifiers: the token
// index holds HMAC(key, system|value) instead of the value, and a search computes the same HMAC
// from the value asked for. The key is the tenant's blind-index key, separate from its data keys,
// so rotating data keys leaves the index valid; without the key the index reveals only equality.
import { createHmac } from 'node:crypto';

/** Every blind-index token starts with this. */
export const BLIND_PREFIX = 'cgbi:';

/** Hashes identifier values of sealed systems, for the index and for the query. */
export type BlindIndex = Readonly<{
  /** Identifier systems whose values are indexed blind. */
  systems: ReadonlySet<string>;
  /** The token stored for (and searched by) `system|value`; system '' for `:of-type` rows, which have none. */
  hash: (system: string, value: string) => string;
}>;

/** A blind index over one tenant's blind-index key. */
export function createBlindIndex(key: Buffer, systems: ReadonlySet<string>): BlindIndex {
  return Object.freeze({
    systems,
    hash: (system: string, value: string) =>
      `${BLIND_PREFIX}${createHmac('sha256', key).update(`${system}|${value}`, 'utf8').digest('base64url')}`,
  });
}
