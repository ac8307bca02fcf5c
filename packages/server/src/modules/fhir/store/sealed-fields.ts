// Sealing the sensitive fields of a version before it is stored: national identifiers (by system),
// attachment data and, where configured, note bodies become envelopes (modules/encryption), the
// token index gets blind-index tokens for those identifiers, and the full-text index is built from
// the resource without them. Opening happens in the encrypted database wrapper, on every read.
import type { Resource } from '@medplum/fhirtypes';
import {
  createBlindIndex,
  ENVELOPE_PREFIX,
  isSealed,
  sealContextOf,
  sealValue,
  tryFieldEncryptionOf,
  type BlindIndex,
  type FieldPolicy,
} from '../../encryption/index.ts';
import type { Queryable } from '../../../platform/db/index.ts';
import { extractText } from '../search/extract-text-rows.ts';
import { OF_TYPE_SUFFIX, type IndexRows } from '../search/index-values.ts';
import { getTypeGraph, pruneTypeGraph, type PropertyInfo } from '../validation/type-graph.ts';
import type { StoreContext } from './context.ts';

type Json = Record<string, unknown>;
/** A sealed field: where it is and its plaintext. */
type Slot = { parent: Json | unknown[]; key: string | number; plaintext: string };

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const TARGET_TYPES = new Set(['Identifier', 'Attachment', 'Annotation']);
let sensitiveGraph: Map<string, Map<string, PropertyInfo>> | undefined;

/** Only the properties that can lead to an Identifier, Attachment or Annotation are walked. */
function getSensitiveGraph(): Map<string, Map<string, PropertyInfo>> {
  sensitiveGraph ??= pruneTypeGraph(getTypeGraph(), (property) => TARGET_TYPES.has(property.childType ?? ''));
  return sensitiveGraph;
}

/** The field of this element that the policy seals, if any. */
function sensitiveKey(object: Json, type: string, policy: FieldPolicy): string | undefined {
  switch (type) {
    case 'Identifier':
      return typeof object.system === 'string' && policy.identifierSystems.has(object.system) ? 'value' : undefined;
    case 'Attachment':
    case 'Binary':
      return policy.sealsAttachments ? 'data' : undefined;
    case 'Annotation':
      return policy.sealsNotes ? 'text' : undefined;
    default:
      return undefined;
  }
}

/** Collects the slots the policy seals in `value`, an instance of FHIR type `type`. */
function collectSlots(value: unknown, type: string, policy: FieldPolicy, slots: Slot[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      collectSlots(item, type, policy, slots);
    }
    return;
  }
  if (!isRecord(value)) {
    return;
  }
  // Nested resources (contained, Bundle.entry.resource) are typed by their own resourceType.
  const objectType = type === 'Resource' ? value.resourceType : type;
  if (typeof objectType !== 'string') {
    return;
  }
  const key = sensitiveKey(value, objectType, policy);
  const plaintext = key === undefined ? undefined : value[key];
  if (key !== undefined && typeof plaintext === 'string' && plaintext !== '') {
    slots.push({ parent: value, key, plaintext });
  }
  const properties = getSensitiveGraph().get(objectType);
  if (!properties) {
    return;
  }
  for (const [name, child] of Object.entries(value)) {
    const childType = properties.get(name)?.childType;
    if (childType !== undefined && typeof child === 'object') {
      collectSlots(child, childType, policy, slots);
    }
  }
}

/**
 * Client text anywhere that looks like an envelope is sealed too (unless a policy slot already is
 * that field), so that reads never take it for one.
 */
function collectLookalikes(value: unknown, taken: ReadonlyMap<unknown, Set<string | number>>, slots: Slot[]): void {
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index): [number, unknown] => [index, item])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  for (const [key, item] of entries) {
    if (typeof item === 'string') {
      if (isSealed(item) && !taken.get(value)?.has(key)) {
        slots.push({ parent: value as Json | unknown[], key, plaintext: item });
      }
    } else if (typeof item === 'object' && item !== null) {
      collectLookalikes(item, taken, slots);
    }
  }
}

/** What to store for a version: its JSON (sealed fields as envelopes) and its index rows. */
export type StoredForm = { json: string; rows: IndexRows };

/** Replaces the index values of sealed identifiers by blind-index tokens. */
function blindTokens(rows: IndexRows, blindIndex: BlindIndex, sealedValues: ReadonlySet<string>): void {
  for (const row of rows.token) {
    if (row.value === null) {
      continue;
    }
    if (row.system !== null && blindIndex.systems.has(row.system)) {
      row.value = blindIndex.hash(row.system, row.value);
    } else if (row.code.endsWith(OF_TYPE_SUFFIX)) {
      // `typeCode|value`: the identifier's own system is not in the row, so the hash is keyed by none.
      const bar = row.value.indexOf('|');
      const identifier = row.value.slice(bar + 1);
      if (sealedValues.has(identifier)) {
        row.value = `${row.value.slice(0, bar)}|${blindIndex.hash('', identifier)}`;
      }
    }
  }
}

/**
 * Seals what the transaction's field policy names in `content` and returns what to store. Without
 * field encryption, or with nothing to seal, that is the JSON and rows as they are.
 */
export async function toStoredForm(
  ctx: Pick<StoreContext, 'tenantId' | 'tx'>,
  content: Resource,
  rows: IndexRows,
): Promise<StoredForm> {
  const encryption = tryFieldEncryptionOf(ctx.tx);
  const json = JSON.stringify(content);
  if (!encryption) {
    return { json, rows };
  }
  const hasLookalikes = json.includes(`"${ENVELOPE_PREFIX}`);
  const found: Slot[] = [];
  collectSlots(content, content.resourceType, encryption.policy, found);
  if (found.length === 0 && !hasLookalikes) {
    // Most resources: nothing to seal, and no copy made.
    return { json, rows };
  }
  // The slots again, in a copy that can be changed (the caller keeps the plaintext resource).
  const copy = JSON.parse(json) as Json;
  const slots: Slot[] = [];
  collectSlots(copy, content.resourceType, encryption.policy, slots);
  if (hasLookalikes) {
    const taken = new Map<unknown, Set<string | number>>();
    for (const slot of slots) {
      taken.set(slot.parent, (taken.get(slot.parent) ?? new Set()).add(slot.key));
    }
    collectLookalikes(copy, taken, slots);
  }
  if (slots.length === 0) {
    return { json, rows };
  }
  const keys = await encryption.keyring.currentKeys(ctx.tx, ctx.tenantId);
  // The full-text index is built from the resource with the sealed fields emptied.
  for (const slot of slots) {
    (slot.parent as Record<string | number, unknown>)[slot.key] = '';
  }
  const textRow = extractText(copy as unknown as Resource);
  const context = sealContextOf(copy);
  const sealedValues = new Set<string>();
  for (const slot of slots) {
    (slot.parent as Record<string | number, unknown>)[slot.key] = sealValue(keys.data, slot.plaintext, context);
    sealedValues.add(slot.plaintext);
  }
  blindTokens(rows, createBlindIndex(keys.blindIndex.key, encryption.policy.identifierSystems), sealedValues);
  return { json: JSON.stringify(copy), rows: { ...rows, text: textRow } };
}

/** The tenant's blind index for search, or undefined when field encryption is off or nothing was sealed yet. */
export async function tryBlindIndexFor(q: Queryable, tenantId: string): Promise<BlindIndex | undefined> {
  const encryption = tryFieldEncryptionOf(q);
  if (!encryption || encryption.policy.identifierSystems.size === 0) {
    return undefined;
  }
  const key = await encryption.keyring.tryBlindIndexKey(q, tenantId);
  return key ? createBlindIndex(key.key, encryption.policy.identifierSystems) : undefined;
}
