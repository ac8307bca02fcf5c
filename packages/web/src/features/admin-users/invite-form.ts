// The invitation form's values, their checks (the server's own rules, checked before sending), and
// the server's refusals placed next to the field they concern.
import { ApiError } from '@caregraph/core/client';
import type { InviteRequest } from './types.ts';
import type { Role } from './roles.ts';

/** `follow`: the roles' MFA policy decides; `required`/`optional`: this user's own override. */
export type MfaChoice = 'follow' | 'required' | 'optional';

export type InviteForm = {
  email: string;
  displayName: string;
  roles: Role[];
  patientId: string;
  fhirUser: string;
  mfa: MfaChoice;
};

export type InviteField = 'email' | 'displayName' | 'roles' | 'patientId' | 'fhirUser';

export type InviteProblems = Partial<Record<InviteField | 'form', string>>;

export const EMPTY_INVITE: InviteForm = {
  email: '',
  displayName: '',
  roles: [],
  patientId: '',
  fhirUser: '',
  mfa: 'follow',
};

// The same patterns the server's schema holds (packages/server/src/modules/identity/schemas.ts).
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const FHIR_USER = /^(Practitioner|PractitionerRole|Patient|RelatedPerson|Person|Device)\/[A-Za-z0-9\-.]{1,64}$/;

/** What is wrong with the form, by field; empty when it can be sent. */
export function findInviteProblems(form: InviteForm): InviteProblems {
  const problems: InviteProblems = {};
  const email = form.email.trim();
  if (email === '') {
    problems.email = 'Enter the e-mail address the invitation goes to.';
  } else if (!EMAIL.test(email) || email.length > 320) {
    problems.email = 'Enter an e-mail address like name@example.org.';
  }
  if (form.displayName.trim() === '') {
    problems.displayName = 'Enter the name shown for this user.';
  } else if (form.displayName.trim().length > 200) {
    problems.displayName = 'Keep the name under 200 characters.';
  }
  if (form.roles.length === 0) {
    problems.roles = 'Choose at least one role.';
  }
  const patientId = form.patientId.trim();
  if (patientId !== '' && !FHIR_ID.test(patientId)) {
    problems.patientId = 'A patient id is letters, digits, "-" and "." (up to 64).';
  } else if (patientId === '' && form.roles.includes('patient')) {
    problems.patientId = 'A patient user needs the id of the Patient whose record they see.';
  }
  const fhirUser = form.fhirUser.trim();
  if (fhirUser !== '' && !FHIR_USER.test(fhirUser)) {
    problems.fhirUser = 'Write it as Practitioner/<id> (or PractitionerRole, Patient, RelatedPerson, Person, Device).';
  }
  return problems;
}

/** The request body of a checked form. */
export function toInviteRequest(form: InviteForm): InviteRequest {
  const patientId = form.patientId.trim();
  const fhirUser = form.fhirUser.trim();
  return {
    email: form.email.trim().toLowerCase(),
    displayName: form.displayName.trim(),
    roles: form.roles,
    ...(patientId === '' ? {} : { patientId }),
    ...(fhirUser === '' ? {} : { fhirUser }),
    ...(form.mfa === 'follow' ? {} : { mfaRequired: form.mfa === 'required' }),
  };
}

const FIELD_OF_PROPERTY: Record<string, InviteField> = {
  email: 'email',
  displayName: 'displayName',
  roles: 'roles',
  patientId: 'patientId',
  fhirUser: 'fhirUser',
};

type Problem = { code?: string; title?: string; detail?: string };

/**
 * Where a refused invitation's reason belongs: a taken address beside the e-mail field, a schema
 * error (`body/email must match …`) beside its field, anything else above the form.
 */
export function placeInviteError(error: unknown): InviteProblems {
  if (!(error instanceof ApiError)) {
    return { form: 'The invitation could not be sent. Try again.' };
  }
  const problem = (typeof error.body === 'object' && error.body !== null ? error.body : {}) as Problem;
  if (problem.code === 'ID_EMAIL_TAKEN' || error.status === 409) {
    return { email: 'A user with this e-mail address already exists.' };
  }
  if (error.status === 400) {
    const property = /body\/(\w+)/.exec(error.message)?.[1];
    const field = property === undefined ? undefined : FIELD_OF_PROPERTY[property];
    if (field) {
      return { [field]: `The server refused this value: ${error.message}` };
    }
  }
  if (error.status === 403) {
    return { form: 'Only administrators can invite users.' };
  }
  if (error.status === 0) {
    return { form: error.message };
  }
  return { form: `The invitation was not sent: ${error.message}` };
}
