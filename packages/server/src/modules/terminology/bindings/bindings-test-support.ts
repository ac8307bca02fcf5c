// Code systems and value sets shared by the bindings integration tests. Each test file seeds its
// own systems under urls of its own: the term_* tables are global, and a test must never make a
// release of a real system url current (see finishRelease).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Database } from '../../../platform/db/index.ts';
import type { TestTenant } from '../../../test/create-test-app.ts';
import { beginRelease, finishRelease, writeConcepts, type ConceptInput } from '../store/index.ts';
import type { TerminologyBinding } from './binding-store.ts';

/** Stand-ins for SNOMED CT and ICD-10-CM holding a few real codes, plus a shared value set of both. */
export type SeededTerminology = {
  snomed: string;
  icd10cm: string;
  /** A term_value_set value set including the whole of both systems. */
  conditionCodes: string;
  /** Prefix for further urls of the same test file. */
  base: string;
};

const SNOMED_CONCEPTS: ConceptInput[] = [
  { code: '64572001', display: 'Disease' },
  { code: '73211009', display: 'Diabetes mellitus', parents: ['64572001'] },
  { code: '44054006', display: 'Diabetes mellitus type 2', parents: ['73211009'] },
  { code: '46635009', display: 'Diabetes mellitus type 1', parents: ['73211009'] },
  { code: '38341003', display: 'Hypertensive disorder, systemic arterial', parents: ['64572001'] },
  { code: '195967001', display: 'Asthma', parents: ['64572001'] },
  // Marked inactive here, as a later release marks a retired code.
  { code: '111552007', display: 'Diabetes mellitus without complication', active: false, parents: ['73211009'] },
];

const ICD10CM_CONCEPTS: ConceptInput[] = [
  { code: 'E11', display: 'Type 2 diabetes mellitus' },
  { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications', parents: ['E11'] },
  { code: 'I10', display: 'Essential (primary) hypertension' },
  { code: 'J45', display: 'Asthma' },
];

/** Seeds the two systems and the shared value set under urls unique to this run. */
export async function seedTerminology(db: Database, file: string): Promise<SeededTerminology> {
  const base = `urn:caregraph:test:${file}:${randomBytes(4).toString('hex')}`;
  const seeded = {
    snomed: `${base}:sct`,
    icd10cm: `${base}:icd-10-cm`,
    conditionCodes: `${base}:ValueSet/condition-codes`,
    base,
  };
  await db.transaction(async (tx) => {
    for (const [url, concepts] of [
      [seeded.snomed, SNOMED_CONCEPTS],
      [seeded.icd10cm, ICD10CM_CONCEPTS],
    ] as const) {
      const release = await beginRelease(tx, { url, version: '1' });
      await writeConcepts(tx, release.id, concepts);
      await finishRelease(tx, release);
    }
    await insertSharedValueSet(tx, seeded.conditionCodes, {
      resourceType: 'ValueSet',
      url: seeded.conditionCodes,
      status: 'active',
      compose: { include: [{ system: seeded.snomed }, { system: seeded.icd10cm }] },
    });
  });
  return seeded;
}

/** Stores a value set in the shared terminology store (term_value_set). */
export async function insertSharedValueSet(
  q: Pick<Database, 'query'>,
  url: string,
  resource: Record<string, unknown>,
): Promise<void> {
  await q.query('INSERT INTO term_value_set (url, version, resource) VALUES ($1, $2, $3::jsonb)', [
    url,
    '1',
    JSON.stringify(resource),
  ]);
}

export const BINDINGS_API = '/api/terminology/bindings';

/** Replaces the tenant's bindings through the admin API, asserting success. */
export async function putBindings(tenant: TestTenant, bindings: TerminologyBinding[]): Promise<void> {
  const response = await putBindingsResponse(tenant, bindings);
  assert.equal(response.statusCode, 200, response.body);
}

export function putBindingsResponse(tenant: TestTenant, bindings: unknown): Promise<LightMyRequestResponse> {
  return tenant.request({
    method: 'PUT',
    url: BINDINGS_API,
    payload: JSON.stringify({ bindings }),
    headers: { 'content-type': 'application/json' },
  });
}
