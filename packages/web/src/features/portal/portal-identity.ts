import { isPatientOnly, type SessionUser } from '../session/session-user.ts';

/** What the portal needs to know about who is signed in. */
export type PortalIdentity = {
  /** The Patient the signed-in user is; undefined for staff, even when staff launched with a patient. */
  patientId: string | undefined;
};

/**
 * The patient whose own portal this is: the user's `fhirUser` when it is a Patient, else the launch
 * patient of a patient-only sign-in. A clinician who picked a patient at sign-in has a launch
 * patient too, but is not that patient: they get no portal of their own. These claims only choose
 * what to show; the server checks every request against the token itself.
 */
export function portalIdentityOf(user: Pick<SessionUser, 'fhirUser' | 'patientId' | 'roles'>): PortalIdentity {
  if (user.fhirUser?.startsWith('Patient/')) {
    return { patientId: user.fhirUser.slice('Patient/'.length) };
  }
  return { patientId: isPatientOnly(user) ? user.patientId : undefined };
}
