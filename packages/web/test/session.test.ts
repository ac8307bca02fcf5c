import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canOpen, homePathFor, navigationFor } from '../src/features/session/role-access.ts';
import { safeReturnPath } from '../src/features/session/return-path.ts';
import {
  decodeJwtPayload,
  isPatientOnly,
  relativeFhirUser,
  sessionUserOf,
} from '../src/features/session/session-user.ts';

/** An unsigned JWT with the given payload: the app reads claims, the server checks signatures. */
function jwtWith(payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('session user', () => {
  it('reads roles, tenant and launch patient from the access token and the name from the ID token', () => {
    const token = jwtWith({ roles: ['patient'], tenant: 'demo', patient: 'p-1', scope: 'patient/*.rs' });
    const user = sessionUserOf(
      { sub: 'demo:u1', name: 'Ana Ñúñez', fhirUser: 'https://cg.example/fhir/R4/Patient/p-1' },
      token,
    );
    assert.deepEqual(user, {
      name: 'Ana Ñúñez',
      roles: ['patient'],
      tenant: 'demo',
      fhirUser: 'Patient/p-1',
      patientId: 'p-1',
    });
    assert.equal(isPatientOnly(user), true);
  });

  it('prefers roles in the ID token, drops unknown roles, and falls back to the e-mail address for a name', () => {
    const token = jwtWith({ roles: ['admin'], tenant: 't1' });
    const user = sessionUserOf({ email: 'n@example.org', roles: ['nurse', 'wizard'] }, token);
    assert.deepEqual(user.roles, ['nurse']);
    assert.equal(user.name, 'n@example.org');
    assert.equal(user.patientId, undefined);
    assert.equal(isPatientOnly(user), false);
    assert.equal(isPatientOnly({ roles: [] }), false, 'no role is not a patient');
  });

  it('treats a token that is not a JWT as carrying no claims', () => {
    assert.equal(decodeJwtPayload('opaque-token'), undefined);
    assert.equal(decodeJwtPayload('a.!!!.c'), undefined);
    assert.deepEqual(sessionUserOf({}, 'opaque-token').roles, []);
  });

  it('makes fhirUser relative and ignores values that are not resource references', () => {
    assert.equal(relativeFhirUser('http://h/fhir/R4/Practitioner/pr-9'), 'Practitioner/pr-9');
    assert.equal(relativeFhirUser('Practitioner/pr-9'), 'Practitioner/pr-9');
    assert.equal(relativeFhirUser('not a reference'), undefined);
    assert.equal(relativeFhirUser(undefined), undefined);
  });
});

describe('role access', () => {
  it('shows each role its own navigation and start page', () => {
    const labels = (roles: Parameters<typeof navigationFor>[0]) => navigationFor(roles).map((item) => item.label);
    assert.deepEqual(labels(['clinician']), ['My workspace', 'Patients']);
    assert.deepEqual(labels(['nurse']), ['My workspace', 'Patients']);
    assert.deepEqual(labels(['staff']), ['Schedule', 'Patients']);
    assert.deepEqual(labels(['admin']), ['Admin']);
    assert.deepEqual(labels(['patient']), ['My health record']);
    assert.deepEqual(labels(['admin', 'clinician']), ['My workspace', 'Patients', 'Admin']);
    assert.equal(homePathFor(['clinician']), '/workspace');
    assert.equal(homePathFor(['admin']), '/admin');
    assert.equal(homePathFor(['patient']), '/portal');
    assert.equal(homePathFor([]), '/no-access');
  });

  it('keeps patients out of staff areas and staff out of the portal', () => {
    assert.equal(canOpen('patients', ['patient']), false);
    assert.equal(canOpen('admin', ['clinician']), false);
    assert.equal(canOpen('portal', ['clinician']), false);
    assert.equal(canOpen('portal', ['patient']), true);
    assert.equal(canOpen('admin', ['nurse', 'admin']), true);
    assert.equal(canOpen('patients', ['staff']), true);
    assert.equal(canOpen('chart', ['staff']), false, 'the front desk reads no clinical record');
    assert.equal(canOpen('chart', ['nurse']), true);
  });

  it('returns to a path on this site or to the fallback', () => {
    assert.equal(safeReturnPath('/portal/record', '/workspace'), '/portal/record');
    assert.equal(safeReturnPath('https://evil.example/', '/workspace'), '/workspace');
    assert.equal(safeReturnPath(undefined, '/admin'), '/admin');
  });
});
