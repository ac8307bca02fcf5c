import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEntry } from './audit-entry.ts';
import { parseAuditEventQuery, toAuditEvent } from './audit-events.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const OWN = 'urn:caregraph:audit-event';

function entry(overrides: Partial<AuditEntry>): AuditEntry {
  return {
    v: 1,
    id: '0b6f1f3e-2a51-4a36-9d55-7f1c1c0e8a01',
    tenant: 't-1',
    recorded: '2025-03-01T10:00:00.000Z',
    type: 'rest',
    interaction: 'read',
    action: 'R',
    outcome: '0',
    agent: { kind: 'api-key', name: 'front-desk', roles: ['admin'], address: '192.0.2.1' },
    entities: ['Patient/p1'],
    patients: ['p1'],
    ...overrides,
  };
}

describe('AuditEvent rendering', () => {
  it('renders a sign-in as User Authentication / Login, keeping its own event code', () => {
    const event = toAuditEvent(
      entry({
        type: 'login',
        interaction: 'login',
        action: 'E',
        outcome: '4',
        detail: 'login.password wrong-password',
        agent: { kind: 'user', name: '5d2c7a8e-1111-4c4c-9999-000000000001', roles: [], address: '192.0.2.9' },
        entities: [],
        patients: [],
      }),
    );
    assert.deepEqual(event.type, { system: DCM, code: '110114', display: 'User Authentication' });
    assert.deepEqual(event.subtype, [
      { system: DCM, code: '110122', display: 'Login' },
      { system: OWN, code: 'login' },
    ]);
    assert.equal(event.outcomeDesc, 'login.password wrong-password');
    assert.deepEqual(event.agent[0]?.who?.identifier, {
      system: 'urn:caregraph:user',
      value: '5d2c7a8e-1111-4c4c-9999-000000000001',
    });
  });

  it('renders account changes as security alerts of their own kind, not as logins', () => {
    const change = (interaction: string) =>
      toAuditEvent(entry({ type: 'security', interaction, action: 'U', entities: [], patients: [] }));
    assert.equal(change('mfa.enrolled').type.code, '110113');
    assert.deepEqual(
      change('user.roles-changed').subtype?.map((coding) => coding.code),
      ['110136', 'user.roles-changed'],
    );
    assert.deepEqual(
      change('mfa-policy.changed').subtype?.map((coding) => coding.code),
      ['110129', 'mfa-policy.changed'],
    );
    assert.deepEqual(
      change('password-reset.completed').subtype?.map((coding) => coding.code),
      ['110137', 'password-reset.completed'],
    );
  });

  it('says why a refused read failed', () => {
    const event = toAuditEvent(entry({ outcome: '4', failure: '404 not-found' }));
    assert.equal(event.outcome, '4');
    assert.equal(event.outcomeDesc, '404 not-found');
    assert.equal(event.subtype?.[0]?.code, 'read');
    assert.equal(toAuditEvent(entry({})).outcomeDesc, undefined);
  });
});

describe('AuditEvent purpose of use', () => {
  it('codes BTG beside a declared purpose when a break-glass reason was given', () => {
    const event = toAuditEvent(entry({ purpose: { code: 'TREAT', reason: 'unconscious on arrival' } }));
    assert.deepEqual(
      event.purposeOfEvent?.[0]?.coding?.map((coding) => coding.code),
      ['TREAT', 'BTG'],
    );
    assert.equal(event.purposeOfEvent?.[0]?.text, 'unconscious on arrival');
    const declared = toAuditEvent(entry({ purpose: { code: 'TREAT' } }));
    assert.deepEqual(
      declared.purposeOfEvent?.[0]?.coding?.map((coding) => coding.code),
      ['TREAT'],
    );
  });
});

describe('AuditEvent search parameters', () => {
  it('reads _id, _lastUpdated as date, and an action token with or without its system', () => {
    const filter = parseAuditEventQuery('t-1', [
      ['_id', 'abc'],
      ['_lastUpdated', 'ge2025-01-01'],
      ['action', 'http://hl7.org/fhir/audit-event-action|R'],
      ['patient', 'Patient/p1'],
    ]);
    assert.equal(filter.id, 'abc');
    assert.deepEqual(filter.dates, [{ op: 'ge', value: '2025-01-01' }]);
    assert.equal(filter.action, 'R');
    assert.equal(filter.patient, 'p1');
  });

  it('reads type by its AuditEvent code or the entry type, subtype and outcome as codes', () => {
    const filter = parseAuditEventQuery('t-1', [
      ['type', 'http://dicom.nema.org/resources/ontology/DCM|110114'],
      ['subtype', 'oauth.token-issued'],
      ['outcome', '4'],
    ]);
    assert.deepEqual([filter.type, filter.subtype, filter.outcome], ['login', 'oauth.token-issued', '4']);
    assert.equal(parseAuditEventQuery('t-1', [['type', 'security']]).type, 'security');
    // An unknown type matches nothing rather than everything.
    assert.equal(parseAuditEventQuery('t-1', [['type', 'no-such-type']]).type, '');
  });

  it('refuses a parameter it does not answer, naming it', () => {
    assert.throws(
      () => parseAuditEventQuery('t-1', [['entity-name', 'x']]),
      (error: Error & { code?: string }) =>
        error.code === 'AUDIT_INVALID_PARAMETER' && /not "entity-name"/.test(error.message),
    );
  });
});
