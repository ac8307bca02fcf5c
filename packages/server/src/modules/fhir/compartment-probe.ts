// The FHIR module's answers to authorisation's compartment questions (modules/access): is a
// stored resource in a patient's compartment, read from the reverse reference index.
import type { CompartmentProbe } from '../access/index.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { compartmentParams } from './search/compartments.ts';

/** A probe on the tenant's stored resources: a resource is in the compartment when one of its compartment references points at the patient. */
export function createCompartmentProbe(q: Queryable, tenantId: string): CompartmentProbe {
  return {
    isPatientCompartmentType: (resourceType) => compartmentParams('Patient', resourceType).length > 0,
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
  };
}
