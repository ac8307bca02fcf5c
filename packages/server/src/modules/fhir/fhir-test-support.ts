// Builders and helpers shared by the FHIR integration tests.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Bundle, Observation, OperationOutcome, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import type { TestTenant } from '../../test/create-test-app.ts';

/** The FHIR base path, and the absolute base URL the test configuration gives it. */
export const FHIR = '/fhir/R4';
export const FHIR_BASE_URL = 'http://caregraph.test/fhir/R4';

/** A system for identifiers made up by tests. */
export const TEST_SYSTEM = 'urn:caregraph:test';

/** A fresh identifier value, so searches see only what one test wrote. */
export function uniqueValue(prefix = 'v'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Letters and a date drawn from random bytes, so no two built patients look alike. */
function distinctDemographics(): { family: string; given: string; birthDate: string } {
  const bytes = randomBytes(20);
  const word = (from: number) =>
    [...bytes.subarray(from, from + 8)]
      .map((byte) => String.fromCharCode(97 + (byte % 26)))
      .join('')
      .replace(/^./, (first) => first.toUpperCase());
  const days = bytes.readUInt32BE(16) % 25_000;
  return {
    family: word(0),
    given: word(8),
    birthDate: new Date(Date.UTC(1930, 0, 1) + days * 86_400_000).toISOString().slice(0, 10),
  };
}

/**
 * A valid Patient; `overrides` replace top-level elements. Each is a different person (made-up
 * name and birth date): identical demographics would be one person to the master patient index,
 * which links their records.
 */
export function buildPatient(overrides: Partial<Patient> = {}): Patient {
  const { family, given, birthDate } = distinctDemographics();
  return {
    resourceType: 'Patient',
    identifier: [{ system: TEST_SYSTEM, value: uniqueValue('mrn') }],
    name: [{ family, given: [given] }],
    gender: 'unknown',
    birthDate,
    ...overrides,
  };
}

/** A valid Observation about `patientId`; `overrides` replace top-level elements. */
export function buildObservation(patientId: string, overrides: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-03-01T10:00:00Z',
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    ...overrides,
  };
}

/** The parsed JSON body of a response. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/**
 * Asserts the response is an OperationOutcome with `status` and returns its first error issue.
 * The content type is checked too: every FHIR error is FHIR JSON.
 */
export function expectOutcome(response: LightMyRequestResponse, status: number): OperationOutcomeIssue {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/fhir\+json/);
  const outcome = json<OperationOutcome>(response);
  assert.equal(outcome.resourceType, 'OperationOutcome');
  const issue =
    outcome.issue?.find((item) => item.severity === 'error' || item.severity === 'fatal') ?? outcome.issue?.[0];
  assert.ok(issue, 'the OperationOutcome has an issue');
  return issue;
}

/** Creates a resource with POST and returns it as stored, asserting 201. */
export async function createResource<T extends { resourceType: string; id?: string }>(
  tenant: TestTenant,
  resource: T,
): Promise<T & { id: string }> {
  const response = await tenant.request({ method: 'POST', url: `${FHIR}/${resource.resourceType}`, payload: resource });
  assert.equal(response.statusCode, 201, response.body);
  return json<T & { id: string }>(response);
}

/** How many live resources of `type` match `query`, counted by the server (`_summary=count`). */
export async function countResources(tenant: TestTenant, type: string, query = ''): Promise<number> {
  const response = await tenant.request({
    method: 'GET',
    url: `${FHIR}/${type}?_summary=count${query ? `&${query}` : ''}`,
  });
  assert.equal(response.statusCode, 200, response.body);
  const total = json<Bundle>(response).total;
  assert.equal(typeof total, 'number');
  return total ?? -1;
}

/** Every entry of a history at `path` (`Patient/_history`, `_history`, …), following next links. */
export async function readAllHistory(tenant: TestTenant, path: string): Promise<NonNullable<Bundle['entry']>> {
  const entries: NonNullable<Bundle['entry']> = [];
  let url: string | undefined = `${FHIR}/${path}?_count=1000`;
  while (url) {
    const response = await tenant.request({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    const bundle = json<Bundle>(response);
    entries.push(...(bundle.entry ?? []));
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    url = next ? next.replace(FHIR_BASE_URL, FHIR) : undefined;
  }
  return entries;
}

/** The ids of a searchset's matches, in order. */
export function matchIds(response: LightMyRequestResponse): string[] {
  assert.equal(response.statusCode, 200, response.body);
  const bundle = json<Bundle>(response);
  return (bundle.entry ?? [])
    .filter((entry) => entry.search?.mode !== 'outcome')
    .map((entry) => entry.resource?.id ?? '(no id)');
}
