// National identifiers in the index's own records. When field encryption seals an identifier system
// (docs/encryption.md), the index stores no value of it in clear either: its match records and
// blocking keys hold keyed hashes made with the tenant's blind-index key, as the search index does,
// and the digests the comparator needs for the one-edit level. The engine sees only the hashes.
import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/db/index.ts';
import { createBlindIndex, tryFieldEncryptionOf, type BlindIndex } from '../encryption/index.ts';
import { sealIdentifier, toMatchRecord, type MatchRecord } from './engine/index.ts';

const holdsSealed = (record: MatchRecord, systems: ReadonlySet<string>) =>
  record.identifiers.some((identifier) => systems.has(identifier.system));

/**
 * The tenant's blind index when field encryption seals an identifier system one of the Patients
 * holds, else undefined (no encryption, or nothing to seal: records stay as they are). A write
 * (`create`) makes the tenant's keys when it has none yet, as storing the Patient does in the same
 * transaction; a lookup in a tenant without keys has no sealed record to compare with.
 */
export async function tryIdentifierIndexFor(
  q: Queryable,
  tenantId: string,
  patients: readonly Patient[],
  options: { create: boolean },
): Promise<BlindIndex | undefined> {
  const encryption = tryFieldEncryptionOf(q);
  if (!encryption) {
    return undefined;
  }
  const systems = encryption.policy.identifierSystems;
  const isSealing = patients.some((patient) =>
    (patient.identifier ?? []).some((identifier) => systems.has(identifier.system ?? '')),
  );
  if (!isSealing) {
    return undefined;
  }
  const key = options.create
    ? (await encryption.keyring.currentKeys(q, tenantId)).blindIndex
    : await encryption.keyring.tryBlindIndexKey(q, tenantId);
  return key ? createBlindIndex(key.key, systems) : undefined;
}

/** The record with the identifiers of the blind index's systems replaced by their hashes and digests. */
export function sealRecord(record: MatchRecord, index: BlindIndex): MatchRecord {
  if (!holdsSealed(record, index.systems)) {
    return record;
  }
  return {
    ...record,
    identifiers: record.identifiers.map((identifier) =>
      index.systems.has(identifier.system) ? sealIdentifier(identifier, index.hash) : identifier,
    ),
  };
}

/** Makes the match records of the given Patients as the index stores and compares them: sealed where field encryption says so. */
export async function indexedRecordMaker(
  q: Queryable,
  tenantId: string,
  patients: readonly Patient[],
  options: { create: boolean },
): Promise<(patient: Patient) => MatchRecord> {
  const index = await tryIdentifierIndexFor(q, tenantId, patients, options);
  return index ? (patient) => sealRecord(toMatchRecord(patient), index) : toMatchRecord;
}

/** A Patient's match record as the index stores and compares it. */
export async function toIndexedRecord(
  q: Queryable,
  tenantId: string,
  patient: Patient,
  options: { create: boolean },
): Promise<MatchRecord> {
  return (await indexedRecordMaker(q, tenantId, [patient], options))(patient);
}
