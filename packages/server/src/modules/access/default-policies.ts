// The access policy every tenant starts with (written on first use, then the tenant's own to
// change through `/api/admin/access-policies`). docs/access-control.md explains each choice.
import type { AccessPolicy, PatientReach } from './policy.ts';

const row = (
  role: string,
  resource: string,
  interactions: string,
  patients: PatientReach,
  extra: { breakGlass?: boolean } = {},
): AccessPolicy => ({
  role,
  resource,
  interactions,
  patients,
  criteria: undefined,
  breakGlass: extra.breakGlass ?? false,
});

// Front desk: demographics and the schedule, the directory and coverage; no clinical resource.
const FRONT_DESK_WRITES = [
  'Patient',
  'RelatedPerson',
  'Appointment',
  'AppointmentResponse',
  'Schedule',
  'Slot',
  'Coverage',
];
const FRONT_DESK_READS = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
  'Endpoint',
  'CodeSystem',
  'ValueSet',
  'ConceptMap',
];

// Who is who and where: what places a user in an organisation (and so in reach of its patients).
const DIRECTORY = ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'HealthcareService'];

// What the patient portal writes besides reading the own record: bookings, messages, forms.
const PORTAL_WRITES = ['Appointment', 'Communication', 'QuestionnaireResponse'];

/** The built-in policy rows, in the order the admin API lists them. */
export const DEFAULT_POLICIES: readonly AccessPolicy[] = [
  row('admin', '*', 'cruds', 'any'),
  row('admin', 'admin', 'cruds', 'any'),
  row('service', '*', 'cruds', 'any'),
  row('clinician', '*', 'cruds', 'in-care', { breakGlass: true }),
  row('nurse', '*', 'crus', 'in-care'),
  // Read-only directory: a clinician who could write a PractitionerRole could join any organisation's patients.
  ...['clinician', 'nurse'].flatMap((role) => DIRECTORY.map((type) => row(role, type, 'rs', 'any'))),
  // Consent directives are the privacy officer's to record: a clinician who could edit one could lift it.
  row('clinician', 'Consent', 'rs', 'in-care'),
  row('nurse', 'Consent', 'rs', 'in-care'),
  ...FRONT_DESK_WRITES.map((type) => row('staff', type, 'crus', 'any')),
  ...FRONT_DESK_READS.map((type) => row('staff', type, 'rs', 'any')),
  row('patient', '*', 'rs', 'own'),
  ...PORTAL_WRITES.map((type) => row('patient', type, 'crus', 'own')),
  row('privacy-officer', 'Patient', 'rs', 'any'),
  row('privacy-officer', 'Consent', 'crus', 'any'),
  row('privacy-officer', 'Communication', 'rs', 'any'),
  row('privacy-officer', 'Practitioner', 'rs', 'any'),
];
