// The checks a replacement policy must pass beyond its JSON schema: known types and areas, one row
// per role and resource, criteria that parse as a search of the type, and an administrator left.
import { OutcomeError } from '@caregraph/core/fhir';
import { parseSearchQuery } from '../fhir/search/parse-query.ts';
import { isKnownResourceType } from '../fhir/validation/index.ts';
import { AccessError } from './errors.ts';
import { API_AREAS, isAreaAllowed, type AccessPolicy } from './policy.ts';

function invalid(message: string): never {
  throw new AccessError('ACCESS_INVALID_POLICY', message);
}

function checkCriteria(policy: AccessPolicy, row: string) {
  if (policy.criteria === undefined) {
    return;
  }
  if (policy.resource === '*' || !isKnownResourceType(policy.resource)) {
    invalid(`${row}: criteria apply to one FHIR resource type, not ${policy.resource}`);
  }
  try {
    const query = parseSearchQuery(policy.resource, [...new URLSearchParams(policy.criteria).entries()], false);
    if (query.criteria.length === 0) {
      invalid(`${row}: the criteria select nothing`);
    }
  } catch (error) {
    if (error instanceof OutcomeError) {
      invalid(`${row}: ${error.outcome.issue?.[0]?.details?.text ?? 'invalid criteria'}`);
    }
    throw error;
  }
}

/**
 * Throws ACCESS_INVALID_POLICY naming the first bad row. Areas take no patients other than `any`;
 * the result must still let some role administer access (no lock-out through the API).
 */
export function validatePolicies(policies: readonly AccessPolicy[]): void {
  const seen = new Set<string>();
  policies.forEach((policy, index) => {
    const row = `Row ${index + 1} (${policy.role} ${policy.resource})`;
    const key = `${policy.role} ${policy.resource}`;
    if (seen.has(key)) {
      invalid(`${row}: a role has at most one row per resource`);
    }
    seen.add(key);
    const isArea = (API_AREAS as readonly string[]).includes(policy.resource);
    if (!isArea && policy.resource !== '*' && !isKnownResourceType(policy.resource)) {
      invalid(
        `${row}: ${policy.resource} is neither a FHIR R4 resource type nor an API area (${API_AREAS.join(', ')})`,
      );
    }
    if (isArea && (policy.patients !== 'any' || policy.criteria !== undefined)) {
      invalid(`${row}: an API area takes patients "any" and no criteria`);
    }
    checkCriteria(policy, row);
  });
  const roles = [...new Set(policies.map((policy) => policy.role))];
  if (!roles.some((role) => isAreaAllowed(policies, [role], 'admin', 'u'))) {
    invalid('No role could administer access any more: keep an admin row with "u"');
  }
}
