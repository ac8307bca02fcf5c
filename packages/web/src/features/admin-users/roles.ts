/** The roles an account can hold, as the server's identity module defines them. */
export const ROLES = ['admin', 'clinician', 'nurse', 'staff', 'patient', 'service', 'privacy-officer'] as const;

export type Role = (typeof ROLES)[number];

/** What each role may do, in a line an administrator choosing roles can act on. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  admin: 'Manages users, tenant settings and the audit trail',
  clinician: 'Reads and writes the records of patients in their care',
  nurse: 'Reads records and records vitals and observations',
  staff: 'Front desk: demographics and scheduling',
  patient: 'Sees their own record in the portal (needs a patient id)',
  service: 'A machine client; never signs in with a password',
  'privacy-officer': 'Reads the audit trail: who saw or changed which record',
};
