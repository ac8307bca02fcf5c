import { badRequest, OutcomeError } from '@caregraph/core/fhir';
import { compartmentParams, compartmentResourceTypes, type CompartmentType } from '../search/compartments.ts';
import { isKnownResourceType, listResourceTypes } from '../validation/index.ts';
import { search } from './search.ts';
import type { FhirRepo, FhirRequest, FhirResponse } from './types.ts';

/** The compartments whose definitions the server has (R4 publishes Patient's; Encounter's is derived). */
const COMPARTMENTS = new Set<string>(['Patient', 'Encounter']);

/**
 * System-level search `GET [base]?_type=A,B&…` (R4 §3.1.1.3): across the listed types, or every
 * type without `_type`. Parameters must exist on every searched type.
 */
export function searchSystem(repo: FhirRepo, request: FhirRequest): Promise<FhirResponse> {
  const typeValues = request.query.filter(([name]) => name === '_type').flatMap(([, value]) => value.split(','));
  const unknown = typeValues.filter((type) => !isKnownResourceType(type));
  if (unknown.length > 0) {
    throw new OutcomeError(badRequest(`Unknown resource type in _type: ${unknown.join(', ')}`, '_type'));
  }
  const resourceTypes = typeValues.length > 0 ? [...new Set(typeValues)] : listResourceTypes();
  return search(repo, { path: '', resourceTypes }, request.query, request.lenient === true);
}

/**
 * Compartment search `GET [base]/Patient/1/Observation?…` or `…/Patient/1/*` (R4 §3.1.1.2):
 * resources of the type(s) that the compartment definition links to Patient/1.
 */
export function searchCompartment(
  repo: FhirRepo,
  request: FhirRequest,
  focus: { type: string; id: string },
  resourceType: string,
): Promise<FhirResponse> {
  if (!COMPARTMENTS.has(focus.type)) {
    throw new OutcomeError(badRequest(`Compartment search is supported for Patient and Encounter, not ${focus.type}`));
  }
  const compartment = focus.type as CompartmentType;
  const candidates = resourceType === '*' ? compartmentResourceTypes(compartment) : [resourceType];
  const codesByType = new Map(
    candidates
      .map((type) => [type, compartmentParams(compartment, type)] as const)
      .filter(([, codes]) => codes.length > 0),
  );
  if (codesByType.size === 0) {
    throw new OutcomeError(badRequest(`${resourceType} resources are not in the ${focus.type} compartment`));
  }
  return search(
    repo,
    {
      path: `${focus.type}/${focus.id}/${resourceType}`,
      resourceTypes: [...codesByType.keys()],
      criteria: [{ kind: 'compartment', codesByType, targetType: focus.type, targetId: focus.id }],
    },
    request.query,
    request.lenient === true,
  );
}
