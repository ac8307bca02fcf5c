import type { Bundle } from '@medplum/fhirtypes';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';

/** A resource by type and id. */
export type ResourceKey = { resourceType: string; id: string };

/**
 * Every resource in a Patient's compartment (R4 Patient CompartmentDefinition), through the FHIR
 * API's own compartment search, page by page in the repo's transaction.
 */
export async function listPatientCompartment(repo: FhirRepo, patientId: string): Promise<ResourceKey[]> {
  const keys: ResourceKey[] = [];
  let path = `Patient/${patientId}/*`;
  let query: Array<[string, string]> = [
    ['_count', '1000'],
    ['_elements', 'id'],
  ];
  for (;;) {
    const response = await handleFhirRequest(repo, { method: 'GET', path, query });
    const bundle = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (entry.search?.mode !== 'outcome' && resource?.id) {
        keys.push({ resourceType: resource.resourceType, id: resource.id });
      }
    }
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    if (!next?.startsWith(`${repo.baseUrl}/`)) {
      return keys;
    }
    const url = new URL(next);
    path = next.slice(repo.baseUrl.length + 1).split('?')[0] ?? '';
    query = [...url.searchParams.entries()];
  }
}
