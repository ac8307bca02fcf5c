import type { Patient, Person } from '@medplum/fhirtypes';
import type { GoldenRecord, GoldenRecordMember } from '@caregraph/core/domain';
import type { Queryable } from '../../platform/db/index.ts';
import { MpiError } from './errors.ts';
import { tryReadLive, type StoreContext } from './fhir-store.ts';
import { loadMembers } from './mpi-links.ts';
import { toPatientCard } from './patient-card.ts';

/** A golden record: its FHIR Person and a card of every member with how it came to belong. */
export async function readGoldenRecord(
  q: Queryable,
  options: { tenantId: string; personId: string },
): Promise<GoldenRecord> {
  const ctx: StoreContext = { tenantId: options.tenantId, tx: q, now: () => new Date() };
  const person = await tryReadLive<Person>(ctx, 'Person', options.personId);
  if (!person) {
    throw new MpiError('MPI_PERSON_NOT_FOUND', `No golden record ${options.personId}`);
  }
  const members: GoldenRecordMember[] = [];
  for (const member of await loadMembers(q, options.tenantId, [options.personId])) {
    const patient = await tryReadLive<Patient>(ctx, 'Patient', member.patientId);
    members.push({
      ...toPatientCard(member.patientId, patient?.content, member.record.source),
      assurance: member.assurance,
      probability: member.probability,
      origin: member.origin,
      ...(member.mergedInto ? { replacedBy: member.mergedInto } : {}),
    });
  }
  return { person: person.content as GoldenRecord['person'], members };
}
