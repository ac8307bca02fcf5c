import type { LinkOrigin } from '@caregraph/core/domain';
import { isGenericPlanSize, type Queryable } from '../../platform/db/index.ts';
import type { MatchRecord } from './engine/index.ts';
import type { Assurance } from './golden-record.ts';

/** A golden record's member as stored. */
export type StoredMember = {
  patientId: string;
  personId: string;
  probability: number;
  assurance: Assurance;
  origin: LinkOrigin;
  record: MatchRecord;
  mergedInto: string | undefined;
};

/** One membership to store. */
export type MemberLink = {
  patientId: string;
  personId: string;
  probability: number;
  assurance: Assurance;
  origin: LinkOrigin;
};

/** Every member of the given golden records, with its record. */
export async function loadMembers(
  q: Queryable,
  tenantId: string,
  personIds: readonly string[],
): Promise<StoredMember[]> {
  if (personIds.length === 0) {
    return [];
  }
  const { rows } = await q.query<{
    patient_id: string;
    person_id: string;
    probability: number;
    assurance: Assurance;
    origin: LinkOrigin;
    record: MatchRecord;
    merged_into: string | null;
  }>(
    `SELECT l.patient_id, l.person_id, l.probability, l.assurance, l.origin, r.record, r.merged_into
     FROM mpi_link l JOIN mpi_record r ON r.tenant_id = l.tenant_id AND r.patient_id = l.patient_id
     WHERE l.tenant_id = $1 AND l.person_id = ANY($2::text[])
     ORDER BY l.patient_id`,
    [tenantId, personIds],
    { name: 'mpi-load-members', genericPlan: isGenericPlanSize(personIds.length) },
  );
  return rows.map((row) => ({
    patientId: row.patient_id,
    personId: row.person_id,
    probability: row.probability,
    assurance: row.assurance,
    origin: row.origin,
    record: row.record,
    mergedInto: row.merged_into ?? undefined,
  }));
}

/** The members of one golden record, as `Patient.link` needs them (no records). */
export async function loadMemberIds(
  q: Queryable,
  tenantId: string,
  personId: string,
): Promise<Array<{ id: string; mergedInto: string | undefined }>> {
  const { rows } = await q.query<{ patient_id: string; merged_into: string | null }>(
    `SELECT l.patient_id, r.merged_into
     FROM mpi_link l LEFT JOIN mpi_record r ON r.tenant_id = l.tenant_id AND r.patient_id = l.patient_id
     WHERE l.tenant_id = $1 AND l.person_id = $2`,
    [tenantId, personId],
    { name: 'mpi-member-ids', genericPlan: true },
  );
  return rows.map((row) => ({ id: row.patient_id, mergedInto: row.merged_into ?? undefined }));
}

/** Stores memberships (replacing each patient's previous one). */
export async function writeMemberLinks(q: Queryable, tenantId: string, links: readonly MemberLink[]): Promise<void> {
  if (links.length === 0) {
    return;
  }
  await q.query(
    `INSERT INTO mpi_link (tenant_id, patient_id, person_id, probability, assurance, origin)
     SELECT $1, patient_id, person_id, probability, assurance, origin
     FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[], $6::text[])
       AS l(patient_id, person_id, probability, assurance, origin)
     ON CONFLICT (tenant_id, patient_id) DO UPDATE
       SET person_id = EXCLUDED.person_id, probability = EXCLUDED.probability,
           assurance = EXCLUDED.assurance, origin = EXCLUDED.origin`,
    [
      tenantId,
      links.map((link) => link.patientId),
      links.map((link) => link.personId),
      links.map((link) => link.probability),
      links.map((link) => link.assurance),
      links.map((link) => link.origin),
    ],
    { name: 'mpi-write-links', genericPlan: true },
  );
}

/** Removes patients from their golden records. */
export async function deleteMemberLinks(q: Queryable, tenantId: string, patientIds: readonly string[]): Promise<void> {
  if (patientIds.length > 0) {
    await q.query('DELETE FROM mpi_link WHERE tenant_id = $1 AND patient_id = ANY($2::text[])', [tenantId, patientIds]);
  }
}

/** The golden record a patient belongs to, if any. */
export async function tryFindPersonOf(q: Queryable, tenantId: string, patientId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ person_id: string }>(
    'SELECT person_id FROM mpi_link WHERE tenant_id = $1 AND patient_id = $2',
    [tenantId, patientId],
  );
  return rows[0]?.person_id;
}
