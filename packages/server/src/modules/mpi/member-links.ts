import type { Patient, PatientLink } from '@medplum/fhirtypes';

/** A member of a golden record as `Patient.link` sees it. */
export type LinkMember = { id: string; mergedInto?: string | undefined };

/**
 * The `Patient.link` entries the index maintains for `patientId` among its golden record's members
 * (R4 Patient.link): a record merged into another says only `replaced-by` it; any other member
 * `replaces` the records merged into it and `seealso` the other live members. Records merged
 * elsewhere are reached through their survivor, so they are not listed.
 */
export function memberLinks(patientId: string, members: readonly LinkMember[]): PatientLink[] {
  const self = members.find((member) => member.id === patientId);
  if (self?.mergedInto) {
    return [{ other: { reference: `Patient/${self.mergedInto}` }, type: 'replaced-by' }];
  }
  return members
    .filter((member) => member.id !== patientId && (!member.mergedInto || member.mergedInto === patientId))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((member) => ({
      other: { reference: `Patient/${member.id}` },
      type: member.mergedInto === patientId ? 'replaces' : 'seealso',
    }));
}

/** Whether a link is one the index maintains: every link to another Patient is. */
function isIndexLink(link: PatientLink): boolean {
  return link.other.reference?.startsWith('Patient/') === true;
}

/**
 * The patient with its index-maintained links replaced by `links`; links to other resource types
 * (RelatedPerson) are the sender's and are kept, first.
 */
export function withMemberLinks<T extends Patient>(patient: T, links: readonly PatientLink[]): T {
  const kept = (patient.link ?? []).filter((link) => !isIndexLink(link));
  const all = [...kept, ...links];
  const { link: _previous, ...rest } = patient;
  return (all.length > 0 ? { ...rest, link: all } : rest) as T;
}

/** Whether the patient's index-maintained links are exactly `links`, in order. */
export function hasMemberLinks(patient: Patient, links: readonly PatientLink[]): boolean {
  const current = (patient.link ?? []).filter(isIndexLink);
  return (
    current.length === links.length &&
    current.every(
      (link, index) => link.type === links[index]?.type && link.other.reference === links[index]?.other.reference,
    )
  );
}
