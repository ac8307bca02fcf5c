import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { hasMemberLinks, memberLinks, withMemberLinks } from './member-links.ts';

describe('Patient.link of golden record members', () => {
  it('links every other live member as seealso, in id order', () => {
    assert.deepEqual(memberLinks('b', [{ id: 'c' }, { id: 'a' }, { id: 'b' }]), [
      { other: { reference: 'Patient/a' }, type: 'seealso' },
      { other: { reference: 'Patient/c' }, type: 'seealso' },
    ]);
    assert.deepEqual(memberLinks('a', [{ id: 'a' }]), []);
  });

  it('has a merged record point only at its survivor, which replaces it', () => {
    const members = [{ id: 'a' }, { id: 'b', mergedInto: 'a' }, { id: 'c' }];
    assert.deepEqual(memberLinks('b', members), [{ other: { reference: 'Patient/a' }, type: 'replaced-by' }]);
    assert.deepEqual(memberLinks('a', members), [
      { other: { reference: 'Patient/b' }, type: 'replaces' },
      { other: { reference: 'Patient/c' }, type: 'seealso' },
    ]);
    assert.deepEqual(memberLinks('c', members), [{ other: { reference: 'Patient/a' }, type: 'seealso' }]);
  });

  it('replaces links to Patients and keeps the sender’s links to RelatedPersons', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      link: [
        { other: { reference: 'RelatedPerson/r' }, type: 'seealso' },
        { other: { reference: 'Patient/old' }, type: 'seealso' },
      ],
    };
    const links = [{ other: { reference: 'Patient/new' }, type: 'seealso' as const }];
    const updated = withMemberLinks(patient, links);
    assert.deepEqual(updated.link, [
      { other: { reference: 'RelatedPerson/r' }, type: 'seealso' },
      { other: { reference: 'Patient/new' }, type: 'seealso' },
    ]);
    assert.ok(hasMemberLinks(updated, links));
    assert.ok(!hasMemberLinks(patient, links));
    assert.equal(
      'link' in
        withMemberLinks(
          { resourceType: 'Patient', link: [{ other: { reference: 'Patient/x' }, type: 'seealso' }] },
          [],
        ),
      false,
    );
  });
});
