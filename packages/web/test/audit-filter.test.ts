import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent } from '@caregraph/core/fhir';
import {
  describeAuditAction,
  describeAuditAgent,
  describeAuditEvent,
  parseAuditEntry,
  summariseEntities,
} from '../src/features/audit-explorer/audit-display.ts';
import {
  auditSearchParams,
  EMPTY_AUDIT_FILTER,
  findAuditFilterProblems,
  readAuditFilter,
  writeAuditFilter,
} from '../src/features/audit-explorer/audit-filter.ts';
import { auditEntryPath, auditExplorerPath } from '../src/features/audit-explorer/audit-links.ts';

describe('the audit explorer filter', () => {
  it('round-trips through the page address, leaving out empty fields', () => {
    const filter = {
      ...EMPTY_AUDIT_FILTER,
      user: 'ann@example.org',
      patient: 'p-1',
      action: 'R' as const,
      from: '2026-11-01',
    };
    const params = writeAuditFilter(filter);
    assert.equal(params.toString(), 'user=ann%40example.org&patient=p-1&action=R&from=2026-11-01');
    assert.deepEqual(readAuditFilter(params), filter);
  });

  it('drops an action, kind or outcome code the search does not know', () => {
    const filter = readAuditFilter(new URLSearchParams('action=X&kind=batch&outcome=8'));
    assert.deepEqual([filter.action, filter.kind, filter.outcome], ['', '', '']);
  });

  it('searches the kind as the AuditEvent type and the outcome as its code', () => {
    const filter = readAuditFilter(new URLSearchParams('kind=login&outcome=4'));
    assert.deepEqual(auditSearchParams(filter, '', 20), { type: 'login', outcome: '4', _count: '20' });
  });

  it('turns a day range into inclusive FHIR date bounds and a Patient reference into its id', () => {
    const filter = { ...EMPTY_AUDIT_FILTER, patient: 'Patient/p-9', from: '2026-11-01', to: '2026-11-23' };
    assert.deepEqual(auditSearchParams(filter, 'user-id', 50), {
      agent: 'user-id',
      patient: 'p-9',
      date: ['ge2026-11-01', 'le2026-11-23'],
      _count: '50',
    });
  });

  it('sends only the page size for an empty filter', () => {
    assert.deepEqual(auditSearchParams(EMPTY_AUDIT_FILTER, '', 50), { _count: '50' });
  });

  it('reports a malformed patient id, an impossible date and a reversed range by field', () => {
    assert.deepEqual(findAuditFilterProblems({ ...EMPTY_AUDIT_FILTER, patient: 'a b' }), {
      patient: 'A patient id is letters, digits, "-" and "." (up to 64), optionally after "Patient/".',
    });
    assert.deepEqual(Object.keys(findAuditFilterProblems({ ...EMPTY_AUDIT_FILTER, from: '2026-13-45' })), ['from']);
    assert.deepEqual(findAuditFilterProblems({ ...EMPTY_AUDIT_FILTER, from: '2026-11-23', to: '2026-11-01' }), {
      to: 'The last day is before the first day.',
    });
    assert.deepEqual(findAuditFilterProblems({ ...EMPTY_AUDIT_FILTER, from: '2026-11-01', to: '2026-11-01' }), {});
  });

  it('keeps the filter in the address of an entry and of the way back', () => {
    const filter = { ...EMPTY_AUDIT_FILTER, action: 'U' as const };
    assert.equal(auditEntryPath('e-1', filter), '/admin/audit/e-1?action=U');
    assert.equal(auditExplorerPath(filter), '/admin/audit?action=U');
    assert.equal(auditExplorerPath(EMPTY_AUDIT_FILTER), '/admin/audit');
  });
});

const event: AuditEvent = {
  resourceType: 'AuditEvent',
  id: 'e-1',
  type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113' },
  subtype: [
    { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110137' },
    { system: 'urn:caregraph:audit-event', code: 'user.status-changed' },
  ],
  action: 'E',
  recorded: '2026-11-23T10:00:00.000Z',
  agent: [{ who: { identifier: { system: 'urn:caregraph:user', value: 'u-1' }, display: 'u-1' }, requestor: true }],
  source: { observer: { display: 'CareGraph' } },
  entity: [
    { what: { reference: 'Patient/p1' } },
    { what: { reference: 'Observation/o1' } },
    { what: { reference: 'Observation/o2' } },
  ],
};

describe('audit entries on screen', () => {
  it("names an event by CareGraph's own code before the FHIR one", () => {
    assert.equal(describeAuditEvent(event), 'user.status-changed');
    const read = { ...event, subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }] };
    assert.equal(describeAuditEvent(read), 'read');
  });

  it('shows a known user by e-mail address and anyone else by identifier', () => {
    assert.equal(describeAuditAgent(event, new Map([['u-1', 'ann@example.org']])), 'ann@example.org');
    assert.equal(describeAuditAgent(event, new Map()), 'u-1');
  });

  it('shortens a long list of resources', () => {
    assert.equal(summariseEntities(event), 'Patient/p1, Observation/o1 +1 more');
    assert.equal(summariseEntities({ ...event, entity: [] }), '—');
  });

  it('words action codes', () => {
    assert.equal(describeAuditAction('E'), 'Execute');
    assert.equal(describeAuditAction('C'), 'Create');
  });

  it('reads a proven entry and refuses text that is not one', () => {
    const text =
      '{"action":"R","agent":{"kind":"user","name":"u-1","roles":["admin"]},"entities":["Patient/p1"],"id":"e-1","interaction":"read","outcome":"0","patients":["p1"],"recorded":"2026-11-23T10:00:00.000Z","tenant":"t1","type":"rest","v":1}';
    assert.equal(parseAuditEntry(text)?.patients[0], 'p1');
    assert.equal(parseAuditEntry('{"id":"e-1"}'), undefined);
    assert.equal(parseAuditEntry('not json'), undefined);
  });
});
