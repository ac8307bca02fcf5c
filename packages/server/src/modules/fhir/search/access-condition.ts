// The access filter in SQL (see modules/access and docs/access-control.md): a condition on the
// resources of a search, a read or an `_include`, keeping only those the caller's policy reaches
// (patients in care, the own record, the rows' search criteria) and that no patient's deny
// Consent hides. Searches stay filtered in the database, so paging and totals count only what the
// caller may see.
import type { AccessFilter, Grant, ScopeInteraction, TypeRules } from '../../access/index.ts';
import {
  buildConsentHiddenQuery,
  buildDenyInForceQuery,
  buildNoDenialsCondition,
  type ConsentTarget,
} from '../../consent/index.ts';
import { compartmentParams } from './compartments.ts';
import { criterionCondition } from './build-sql.ts';
import { parseSearchQuery } from './parse-query.ts';
import type { SqlParams } from './value-conditions.ts';

/**
 * The rows a condition is about: alias `row` of a table with an `id` column in one tenant, of one
 * type (`resourceType`, its placeholder `type`) or, for system-level search and includes, of any of
 * `resourceTypes` (the row then has a `resource_type` column).
 */
export type AccessScope =
  | { row: string; tenant: string; resourceType: string; type: string }
  | { row: string; tenant: string; resourceTypes: readonly string[] };

// The subqueries below put their own aliases (ac*) well clear of the search's (x0…, r1…).
const CRITERIA_DEPTH = 20;

/** The ids of the patients the user's care reaches (docs/access-control.md, "Patients in care"). */
function patientsInCare(practitioner: string, tenant: string): string {
  const link = (type: string, code: string, targetType: string) =>
    `SELECT acl.resource_id FROM search_reference acl WHERE acl.tenant_id = ${tenant} AND acl.resource_type = '${type}'
      AND acl.code = '${code}' AND acl.target_type = '${targetType}' AND acl.target_id = ${practitioner}`;
  return `SELECT act.target_id FROM search_reference act WHERE act.tenant_id = ${tenant} AND act.resource_type = 'CareTeam'
      AND act.code = 'patient' AND act.target_type = 'Patient'
      AND act.resource_id IN (${link('CareTeam', 'participant', 'Practitioner')})
      AND act.resource_id IN (SELECT acs.resource_id FROM search_token acs WHERE acs.tenant_id = ${tenant}
        AND acs.resource_type = 'CareTeam' AND acs.code = 'status' AND acs.value = 'active')
    UNION ALL ${link('Patient', 'general-practitioner', 'Practitioner')}
    UNION ALL SELECT ace.target_id FROM search_reference ace WHERE ace.tenant_id = ${tenant} AND ace.resource_type = 'Encounter'
      AND ace.code = 'patient' AND ace.target_type = 'Patient'
      AND ace.resource_id IN (${link('Encounter', 'participant', 'Practitioner')})
    UNION ALL SELECT aco.resource_id FROM search_reference aco WHERE aco.tenant_id = ${tenant} AND aco.resource_type = 'Patient'
      AND aco.code IN ('organization', 'general-practitioner') AND aco.target_type = 'Organization'
      AND aco.target_id IN (SELECT acr.target_id FROM search_reference acr WHERE acr.tenant_id = ${tenant}
        AND acr.resource_type = 'PractitionerRole' AND acr.code = 'organization' AND acr.target_type = 'Organization'
        AND acr.resource_id IN (${link('PractitionerRole', 'practitioner', 'Practitioner')}))`;
}

/** The patient ids a grant reaches as a subquery; undefined for every patient. */
function reachedPatients(grant: Grant, filter: AccessFilter, tenant: string, params: SqlParams): string | undefined {
  switch (grant.patients) {
    case 'any':
      return undefined;
    case 'own':
      return filter.ownPatientId === undefined
        ? 'SELECT NULL::text WHERE false'
        : `SELECT ${params.add(filter.ownPatientId)}::text`;
    case 'in-care': {
      if (filter.practitionerId === undefined) {
        return 'SELECT NULL::text WHERE false';
      }
      // Gathered once into an array (an InitPlan): as a plain IN over the UNION the planner may
      // re-run the union for each candidate row (measured: seconds for a few hundred rows).
      const union = patientsInCare(`${params.add(filter.practitionerId)}::text`, tenant);
      return `SELECT unnest(coalesce((SELECT array_agg(DISTINCT acu.id) FROM (${union}) acu (id)), '{}'::text[]))`;
    }
  }
}

/** `row` is in the compartment of one of `patients` (a Patient among them, or a resource referencing one). */
function inCompartmentOf(
  resourceType: string,
  row: string,
  tenant: string,
  patients: string,
  params: SqlParams,
): string {
  if (resourceType === 'Patient') {
    return `${row}.id IN (${patients})`;
  }
  const codes = compartmentParams('Patient', resourceType);
  return `${row}.id IN (SELECT acx.resource_id FROM search_reference acx WHERE acx.tenant_id = ${tenant}
    AND acx.resource_type = ${params.add(resourceType)} AND acx.code = ANY(${params.add(codes)}::text[])
    AND acx.target_type = 'Patient' AND acx.target_id IN (${patients}))`;
}

/** The criteria of a grant as conditions on `row` (parsed as a search of the type; unknown names are errors). */
function criteriaCondition(criteria: string, resourceType: string, scope: TypeScope, params: SqlParams): string {
  const { row, tenant } = scope;
  const type = scope.type();
  const query = parseSearchQuery(resourceType, [...new URLSearchParams(criteria).entries()], false);
  const ctx = { params, baseUrl: '', depth: CRITERIA_DEPTH };
  return query.criteria.map((criterion) => criterionCondition({ row, tenant, type }, criterion, ctx)).join(' AND ');
}

/** A query with a row when a deny provision of one of the patient's Consents applies to the filter's caller now. */
export function buildDenyConsentCheck(
  filter: AccessFilter,
  tenant: string,
  patient: string,
  params: SqlParams,
): string {
  return buildDenyInForceQuery({ caller: filter, tenant, params, patient });
}

/** `row` (of any of `resourceTypes`, in its `resource_type` column) is not hidden from the caller by consent. */
function notDeniedByConsentAcross(
  resourceTypes: readonly string[],
  row: string,
  tenant: string,
  filter: AccessFilter,
  params: SqlParams,
) {
  const codesByType = Object.fromEntries(resourceTypes.map((type) => [type, compartmentParams('Patient', type)]));
  const hidden = buildConsentHiddenQuery({
    caller: filter,
    target: { kind: 'compartment', codesByType },
    tenant,
    params,
  });
  return `(${buildNoDenialsCondition(tenant)} OR (${row}.resource_type, ${row}.id) NOT IN (SELECT acz.resource_type, acz.id FROM (${hidden}) acz (resource_type, id)))`;
}

/** `row` is not hidden from the caller by a Consent of its patient (modules/consent). */
function notDeniedByConsent(
  resourceType: string,
  row: string,
  tenant: string,
  filter: AccessFilter,
  params: SqlParams,
) {
  const target: ConsentTarget =
    resourceType === 'Patient'
      ? { kind: 'patient' }
      : { kind: 'type', resourceType, codes: compartmentParams('Patient', resourceType) };
  const hidden = buildConsentHiddenQuery({ caller: filter, target, tenant, params });
  return `(${buildNoDenialsCondition(tenant)} OR ${row}.id NOT IN (SELECT acz.id FROM (${hidden}) acz (resource_type, id)))`;
}

const isPatientData = (resourceType: string) =>
  resourceType === 'Patient' || compartmentParams('Patient', resourceType).length > 0;

/** One type's rows; its placeholder is made on first use (an unused parameter has no type PostgreSQL can infer). */
type TypeScope = { row: string; tenant: string; resourceType: string; type: () => string };

/**
 * The condition for one type: any grant's reach and criteria, and (unless `isConsentApart`, when
 * the caller checks consent for several types at once) no consent denial. 'true' when unconditional.
 */
function typeCondition(
  rules: TypeRules,
  filter: AccessFilter,
  scope: TypeScope,
  params: SqlParams,
  isConsentApart = false,
): string {
  const { row, tenant, resourceType } = scope;
  if (rules.grants.length === 0) {
    return 'false';
  }
  const patientData = isPatientData(resourceType);
  const isUnconditional = (grant: Grant) => (grant.patients === 'any' || !patientData) && grant.criteria === undefined;
  // Placeholders are made only for conditions that end up in the SQL.
  const alternatives = rules.grants.some(isUnconditional)
    ? []
    : rules.grants.map((grant) => {
        const patients = patientData ? reachedPatients(grant, filter, tenant, params) : undefined;
        return [
          ...(patients === undefined ? [] : [inCompartmentOf(resourceType, row, tenant, patients, params)]),
          ...(grant.criteria === undefined ? [] : [criteriaCondition(grant.criteria, resourceType, scope, params)]),
        ].join(' AND ');
      });
  const conditions = alternatives.length === 0 ? [] : [`(${alternatives.map((part) => `(${part})`).join(' OR ')})`];
  if (patientData && rules.isConsentEnforced && !isConsentApart) {
    conditions.push(notDeniedByConsent(resourceType, row, tenant, filter, params));
  }
  return conditions.length === 0 ? 'true' : conditions.join(' AND ');
}

/**
 * The access condition on the rows of `scope` for `interaction` (`s` for searches and includes,
 * `r` for reads). 'true' when the caller reaches them all, 'false' when none.
 */
export function buildAccessCondition(
  filter: AccessFilter,
  scope: AccessScope,
  interaction: ScopeInteraction,
  params: SqlParams,
): string {
  if ('resourceType' in scope) {
    const typed = { ...scope, type: () => scope.type };
    return typeCondition(filter.rulesFor(scope.resourceType, interaction), filter, typed, params);
  }
  // Several types: the unconditional ones in one list, each of the others with its own condition,
  // and consent checked once for every type it covers (one hidden set, not one per type).
  const open: string[] = [];
  const conditioned: string[] = [];
  const consented: string[] = [];
  for (const resourceType of scope.resourceTypes) {
    let placeholder: string | undefined;
    const type = () => (placeholder ??= params.add(resourceType));
    const typed = { row: scope.row, tenant: scope.tenant, resourceType, type };
    const rules = filter.rulesFor(resourceType, interaction);
    const condition = typeCondition(rules, filter, typed, params, true);
    if (condition !== 'false' && rules.isConsentEnforced && isPatientData(resourceType)) {
      consented.push(resourceType);
    }
    if (condition === 'true') {
      open.push(resourceType);
    } else if (condition !== 'false') {
      conditioned.push(`(${scope.row}.resource_type = ${type()} AND ${condition})`);
    }
  }
  if (open.length > 0) {
    conditioned.unshift(`${scope.row}.resource_type = ANY(${params.add(open)}::text[])`);
  }
  if (conditioned.length === 0) {
    return 'false';
  }
  const reached = `(${conditioned.join(' OR ')})`;
  return consented.length === 0
    ? reached
    : `(${reached} AND ${notDeniedByConsentAcross(consented, scope.row, scope.tenant, filter, params)})`;
}
