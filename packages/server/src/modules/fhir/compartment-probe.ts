// The FHIR module's answers to authorisation's questions (modules/access): is a stored resource in
// a patient's compartment (read from the reverse reference index), does the caller's access filter
// reach it, and does a patient's consent hide it. The filter's SQL is the search's own
// (search/access-condition.ts), so reads and searches decide alike.
import type { AccessFilter, AccessProbe, ScopeInteraction } from '../access/index.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { buildConsentHiddenQuery } from '../consent/index.ts';
import { buildAccessCondition, buildDenyConsentCheck } from './search/access-condition.ts';
import { compartmentParams, compartmentResourceTypes } from './search/compartments.ts';
import { SqlParams } from './search/value-conditions.ts';
import { isKnownResourceType } from './validation/index.ts';

/** The filter with consent left out: what the grants reach. */
const reachOnly = (
  filter: AccessFilter,
  asType?: { resourceType: string; interaction: ScopeInteraction },
): AccessFilter => ({
  ...filter,
  rulesFor(resourceType, interaction) {
    const rules = asType
      ? filter.rulesFor(asType.resourceType, asType.interaction)
      : filter.rulesFor(resourceType, interaction);
    // Reaching a patient for another type's grants: the grants' criteria are about that type, not Patient.
    const grants = asType ? rules.grants.map((grant) => ({ ...grant, criteria: undefined })) : rules.grants;
    return { grants, isConsentEnforced: false };
  },
});

/** The filter reduced to consent: every record reached, consent as the caller's rules say. */
const consentOnly = (filter: AccessFilter): AccessFilter => ({
  ...filter,
  rulesFor(resourceType, interaction) {
    const { isConsentEnforced } = filter.rulesFor(resourceType, interaction);
    return { grants: [{ patients: 'any', criteria: undefined, breakGlass: false }], isConsentEnforced };
  },
});

/** The filter reduced to one part of its grants: their criteria, or the patients they reach. */
const onePart = (filter: AccessFilter, part: 'criteria' | 'reach'): AccessFilter => ({
  ...filter,
  rulesFor(resourceType, interaction) {
    const { grants } = filter.rulesFor(resourceType, interaction);
    return {
      grants: grants.map((grant) =>
        part === 'criteria'
          ? { patients: 'any', criteria: grant.criteria, breakGlass: false }
          : { ...grant, criteria: undefined },
      ),
      isConsentEnforced: false,
    };
  },
});

/** A probe on the tenant's stored resources: a resource is in the compartment when one of its compartment references points at the patient. */
export function createCompartmentProbe(q: Queryable, tenantId: string): AccessProbe {
  return {
    within: (tx) => createCompartmentProbe(tx, tenantId),
    isResourceType: isKnownResourceType,
    isPatientCompartmentType: (resourceType) => compartmentParams('Patient', resourceType).length > 0,
    patientCompartmentTypes: () => compartmentResourceTypes('Patient'),
    async isInPatientCompartment(resourceType, id, patientId) {
      const codes = compartmentParams('Patient', resourceType);
      if (codes.length === 0) {
        return false;
      }
      const { rows } = await q.query(
        `SELECT 1 FROM search_reference
         WHERE tenant_id = $1 AND target_type = 'Patient' AND target_id = $2
           AND resource_type = $3 AND resource_id = $4 AND code = ANY($5::text[])
         LIMIT 1`,
        [tenantId, patientId, resourceType, id, codes],
        { name: 'fhir-patient-compartment-member' },
      );
      return rows.length > 0;
    },
    async checkInstance(filter, resourceType, id, interaction) {
      const params = new SqlParams();
      const tenant = params.add(tenantId);
      const scope = { row: 'r', tenant, resourceType, type: params.add(resourceType) };
      const reached = buildAccessCondition(reachOnly(filter), scope, interaction, params);
      const consented = buildAccessCondition(consentOnly(filter), scope, interaction, params);
      const { rows } = await q.query<{ reached: boolean; consented: boolean }>(
        `SELECT (${reached}) AS reached, (${consented}) AS consented FROM resource r
         WHERE r.tenant_id = ${tenant} AND r.resource_type = ${scope.type} AND r.id = ${params.add(id)} AND NOT r.deleted`,
        params.values,
      );
      const row = rows[0];
      return row ? { isReached: row.reached, isConsented: row.consented } : undefined;
    },
    async findReachedPatients(filter, resourceType, interaction, patientIds) {
      if (patientIds.length === 0) {
        return new Set();
      }
      const params = new SqlParams();
      const tenant = params.add(tenantId);
      const scope = { row: 'r', tenant, resourceType: 'Patient', type: params.add('Patient') };
      const reached = buildAccessCondition(
        reachOnly(filter, { resourceType, interaction }),
        scope,
        interaction,
        params,
      );
      const { rows } = await q.query<{ id: string }>(
        `SELECT r.id FROM resource r WHERE r.tenant_id = ${tenant} AND r.resource_type = ${scope.type}
           AND r.id = ANY(${params.add(patientIds)}::text[]) AND NOT r.deleted AND ${reached}`,
        params.values,
      );
      return new Set(rows.map((row) => row.id));
    },
    async isStoredWithin(tx, filter, resourceType, id, interaction, part) {
      const params = new SqlParams();
      const tenant = params.add(tenantId);
      const scope = { row: 'r', tenant, resourceType, type: params.add(resourceType) };
      const matched = buildAccessCondition(onePart(filter, part), scope, interaction, params);
      const { rows } = await tx.query<{ matched: boolean }>(
        `SELECT (${matched}) AS matched FROM resource r
         WHERE r.tenant_id = ${tenant} AND r.resource_type = ${scope.type} AND r.id = ${params.add(id)} AND NOT r.deleted`,
        params.values,
      );
      return rows[0]?.matched === true;
    },
    async findHiddenResources(filter, patientIds) {
      if (!filter.rulesFor('Patient', 'r').isConsentEnforced) {
        return new Set();
      }
      const params = new SqlParams();
      const tenant = params.add(tenantId);
      const codesByType = Object.fromEntries(
        compartmentResourceTypes('Patient').map((type) => [type, compartmentParams('Patient', type)]),
      );
      const patients = patientIds === undefined ? undefined : params.add(patientIds);
      const sql = buildConsentHiddenQuery({
        caller: filter,
        target: { kind: 'compartment', codesByType },
        tenant,
        params,
        ...(patients === undefined ? {} : { patients }),
      });
      const { rows } = await q.query<{ resource_type: string; id: string }>(sql, params.values);
      return new Set(rows.map((row) => `${row.resource_type}/${row.id}`));
    },
    async hasDenyConsent(filter, patientId) {
      const params = new SqlParams();
      const sql = buildDenyConsentCheck(filter, params.add(tenantId), params.add(patientId), params);
      const { rows } = await q.query(sql, params.values);
      return rows.length > 0;
    },
  };
}
