import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccessFilter, parseFhirUser } from './access-filter.ts';
import { DEFAULT_POLICIES } from './default-policies.ts';
import { breakGlass, grantsFor, isAreaAllowed, isUnrestricted, type AccessPolicy } from './policy.ts';
import { validatePolicies } from './validate-policies.ts';

const row = (
  role: string,
  resource: string,
  interactions: string,
  patients: AccessPolicy['patients'],
  extra: Partial<AccessPolicy> = {},
): AccessPolicy => ({
  role,
  resource,
  interactions,
  patients,
  criteria: undefined,
  breakGlass: false,
  ...extra,
});

describe('access policy evaluation', () => {
  const policies = [
    row('nurse', '*', 'crus', 'in-care'),
    row('nurse', 'Observation', 'rs', 'in-care'),
    row('staff', 'Patient', 'rs', 'any'),
    row('admin', 'admin', 'ru', 'any'),
  ];

  it('lets a row naming a type replace the role’s * row for it', () => {
    assert.equal(grantsFor(policies, ['nurse'], 'Observation', 'c').length, 0);
    assert.equal(grantsFor(policies, ['nurse'], 'Condition', 'c').length, 1);
  });

  it('adds up the grants of several roles, and reaches every patient only through an unconditional row', () => {
    const grants = grantsFor(policies, ['nurse', 'staff'], 'Patient', 'r');
    assert.deepEqual(grants.map((grant) => grant.patients).sort(), ['any', 'in-care']);
    assert.equal(isUnrestricted(grants), true);
    assert.equal(isUnrestricted(grantsFor(policies, ['nurse'], 'Patient', 'r')), false);
  });

  it('keeps API areas out of the * row', () => {
    assert.equal(isAreaAllowed(policies, ['nurse'], 'admin', 'r'), false);
    assert.equal(isAreaAllowed(policies, ['admin'], 'admin', 'u'), true);
  });

  it('widens only break-glass rows to every patient when the glass is broken', () => {
    const widened = breakGlass([
      { patients: 'in-care', criteria: undefined, breakGlass: true },
      { patients: 'own', criteria: undefined, breakGlass: false },
    ]);
    assert.deepEqual(
      widened.map((grant) => grant.patients),
      ['any', 'own'],
    );
  });

  it('enforces consent on users but not on system clients, nor once the glass is broken', () => {
    const clinician = {
      roles: ['clinician'],
      scopes: ['user/*.cruds'],
      fhirUser: 'http://x/fhir/R4/Practitioner/pr-1',
    };
    const filter = createAccessFilter(DEFAULT_POLICIES, clinician, false);
    assert.equal(filter.practitionerId, 'pr-1');
    assert.equal(filter.rulesFor('Observation', 'r').isConsentEnforced, true);
    assert.equal(
      createAccessFilter(DEFAULT_POLICIES, clinician, true).rulesFor('Observation', 'r').isConsentEnforced,
      false,
    );
    const service = createAccessFilter(DEFAULT_POLICIES, { roles: ['service'], scopes: ['system/*.*'] }, false);
    assert.equal(service.rulesFor('Observation', 'r').isConsentEnforced, false);
    assert.deepEqual(parseFhirUser('Patient/p-9'), { type: 'Patient', id: 'p-9' });
  });

  it('accepts the defaults and refuses duplicate rows, unknown types, bad criteria and a lock-out', () => {
    validatePolicies(DEFAULT_POLICIES);
    const admin = row('admin', 'admin', 'cruds', 'any');
    assert.throws(() => validatePolicies([admin, admin]), /at most one row/);
    assert.throws(
      () => validatePolicies([admin, row('nurse', 'Obsrvation', 'r', 'any')]),
      /neither a FHIR R4 resource type/,
    );
    assert.throws(
      () => validatePolicies([admin, row('patient', 'DocumentReference', 'rs', 'own', { criteria: 'colour=red' })]),
      /Row 2/,
    );
    assert.throws(() => validatePolicies([row('nurse', '*', 'rs', 'in-care')]), /administer access/);
  });
});
