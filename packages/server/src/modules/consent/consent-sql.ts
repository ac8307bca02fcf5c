// Patients' Consent directives as SQL over the stored Consents and the search index, so searches,
// reads, `$everything` and the journey API hide the same resources without fetching them first.
//
// R4 Consent (https://hl7.org/fhir/R4/consent.html#7.8.4): `provision` is the base rule, its
// `type` the answer when it applies (permit when absent); each nested provision is an exception
// that overrides its parent where it applies. A provision applies to a request when its `period`
// holds now and one of its `actor`s is the caller (every caller when it names none), and to a
// resource when the resource carries one of its `securityLabel`s and is one of its `data` (each
// condition holds when absent). So a resource is hidden from the caller when, in one of its
// patient's active Consents, a deepest provision that applies (it, and every provision above it,
// applies; none of its own nested provisions does) is a `deny`. Siblings that both apply and
// disagree: deny wins.
//
// Each Consent's provision tree is read out by the SQL function `consent_provisions` (migration
// 0018), one row per provision with its conditions as columns.

/** Where a value goes: the caller's statement parameters (the search's SqlParams). */
export type Placeholders = { add: (value: unknown) => string };

/** The caller as Consent provisions name actors. */
export type ConsentCaller = {
  /** The Practitioner the user is (SMART fhirUser); their roles, organisations and care teams are theirs too. */
  practitionerId: string | undefined;
  /** The Patient the user is: a patient's own consent never hides their record from them. */
  ownPatientId: string | undefined;
};

/** Which resources: of one type (its name, and the compartment codes linking it to a patient), or of every compartment type. */
export type ConsentTarget =
  | { kind: 'patient' }
  | { kind: 'type'; resourceType: string; codes: readonly string[] }
  | { kind: 'compartment'; codesByType: Readonly<Record<string, readonly string[]>> };

// Aliases start with `cn` to stay clear of the search's (x0…, r1…) and the access filter's (ac…).

/**
 * The references that name the caller as a Consent actor: their Practitioner, its PractitionerRoles,
 * the Organizations of those roles, and the CareTeams it takes part in. None for a caller who is
 * no Practitioner (an actor-limited provision then does not apply to them).
 */
function callerReferences(caller: ConsentCaller, tenant: string, params: Placeholders): string {
  if (caller.practitionerId === undefined) {
    return 'SELECT NULL::text WHERE false';
  }
  const practitioner = `${params.add(caller.practitionerId)}::text`;
  const roles = `SELECT cnr.resource_id FROM search_reference cnr WHERE cnr.tenant_id = ${tenant}
    AND cnr.resource_type = 'PractitionerRole' AND cnr.code = 'practitioner' AND cnr.target_type = 'Practitioner'
    AND cnr.target_id = ${practitioner}`;
  return `SELECT 'Practitioner/' || ${practitioner}
    UNION ALL SELECT 'PractitionerRole/' || cnq.id FROM (${roles}) cnq (id)
    UNION ALL SELECT 'Organization/' || cno.target_id FROM search_reference cno WHERE cno.tenant_id = ${tenant}
      AND cno.resource_type = 'PractitionerRole' AND cno.code = 'organization' AND cno.target_type = 'Organization'
      AND cno.resource_id IN (${roles})
    UNION ALL SELECT 'CareTeam/' || cnt.resource_id FROM search_reference cnt WHERE cnt.tenant_id = ${tenant}
      AND cnt.resource_type = 'CareTeam' AND cnt.code = 'participant' AND cnt.target_type = 'Practitioner'
      AND cnt.target_id = ${practitioner}`;
}

/** Whether provision `p` (a row of consent_provisions) applies to the request: its period holds now, and it names no actor or the caller. */
const appliesToCaller = (p: string) => `((${p}.period_start IS NULL OR now() >= ${p}.period_start)
    AND (${p}.period_end IS NULL OR now() < ${p}.period_end)
    AND (cardinality(${p}.actors) = 0 OR ${p}.actors && ARRAY(SELECT cnw.ref FROM cnw)))`;

/**
 * The provisions that apply to the caller, as the CTEs `cnw` (the caller's references), `cnall`
 * (every provision of the active Consents: consent id, patient id, and the columns of
 * `consent_provisions`, migration 0018) and `cnv` (those that apply, with every provision above
 * them: one that does not takes its nested provisions with it).
 */
function provisionsInForce(caller: ConsentCaller, tenant: string, params: Placeholders, patients?: string): string {
  const notOwn = caller.ownPatientId === undefined ? '' : `AND cnp.target_id <> ${params.add(caller.ownPatientId)}`;
  const onePatient = patients === undefined ? '' : `AND cnp.target_id ${patients}`;
  return `cnw (ref) AS (${callerReferences(caller, tenant, params)}),
    cnall AS (
      SELECT cnc.id AS consent_id, cnp.target_id AS patient_id, cnd.*, ${appliesToCaller('cnd')} AS applies
      FROM resource cnc
      JOIN search_reference cnp ON cnp.tenant_id = cnc.tenant_id AND cnp.resource_type = 'Consent'
        AND cnp.resource_id = cnc.id AND cnp.code = 'patient' AND cnp.target_type = 'Patient'
      CROSS JOIN LATERAL consent_provisions(cnc.content) cnd
      WHERE cnc.tenant_id = ${tenant} AND cnc.resource_type = 'Consent' AND NOT cnc.deleted
        AND cnc.content ->> 'status' = 'active' ${notOwn} ${onePatient}
    ),
    cnv AS (
      SELECT cnb.* FROM cnall cnb
      WHERE cnb.applies AND NOT EXISTS (SELECT 1 FROM cnall cna WHERE cna.consent_id = cnb.consent_id
        AND cna.patient_id = cnb.patient_id AND starts_with(cnb.path, cna.path || '.') AND NOT cna.applies)
    )`;
}

/** Whether the resource `type`/`id` carries one of the security labels of provision `p` (by code, any system). */
function hasLabelOf(p: string, type: string, id: string, tenant: string): string {
  // Label by label, so each check is one descent of the value index (tenant, type, code, value, id);
  // OFFSET 0 keeps the inner check a probe per label rather than a join the planner would turn
  // into a scan of every labelled resource of the type.
  return `(cardinality(${p}.labels) = 0 OR EXISTS (SELECT 1 FROM unnest(${p}.labels) cnl (label)
      WHERE EXISTS (SELECT 1 FROM search_token cns WHERE cns.tenant_id = ${tenant} AND cns.resource_type = ${type}
        AND cns.code = '_security' AND cns.value = cnl.label AND cns.resource_id = ${id} OFFSET 0)))`;
}

/**
 * Whether the resource `type`/`id` is one of the data of provision `p`: `instance` the resource
 * named, `related` also what it references, `dependents` also what references it; `authoredby` is
 * read as the resources referencing the author (the index does not say which element a reference
 * is in, so this may hide more than the author's work, never less).
 */
function isDataOf(p: string, type: string, id: string, tenant: string): string {
  return `(NOT ${p}.has_data OR ${type} || '/' || ${id} = ANY(${p}.instances)
      OR (cardinality(${p}.related) > 0 AND EXISTS (SELECT 1 FROM search_reference cne WHERE cne.tenant_id = ${tenant}
        AND cne.target_type = ${type} AND cne.target_id = ${id}
        AND cne.resource_type || '/' || cne.resource_id = ANY(${p}.related)))
      OR (cardinality(${p}.dependents) > 0 AND EXISTS (SELECT 1 FROM search_reference cne WHERE cne.resource_id = ${id}
        AND cne.tenant_id = ${tenant} AND cne.resource_type = ${type}
        AND cne.target_type || '/' || cne.target_id = ANY(${p}.dependents))))`;
}

/** Whether provision `p` (a row of cnv) applies to the resource `type`/`id`: its labels and its data. */
const appliesToResource = (p: string, type: string, id: string, tenant: string) =>
  `(${hasLabelOf(p, type, id, tenant)} AND ${isDataOf(p, type, id, tenant)})`;

/**
 * The resources of the patient of deny provision `cnx` it could hide: its compartment of the
 * target types (by the compartment's reference index, so the cost follows the patients with deny
 * provisions and their records, not the tenant).
 */
function candidates(target: ConsentTarget, tenant: string, params: Placeholders): string {
  if (target.kind === 'patient') {
    return `SELECT 'Patient'::text, cnx.patient_id`;
  }
  const member = `FROM search_reference cnm WHERE cnm.tenant_id = ${tenant} AND cnm.target_type = 'Patient'
    AND cnm.target_id = cnx.patient_id`;
  if (target.kind === 'type') {
    return `SELECT cnm.resource_type, cnm.resource_id ${member} AND cnm.resource_type = ${params.add(target.resourceType)}
      AND cnm.code = ANY(${params.add(target.codes)}::text[])`;
  }
  const types = Object.keys(target.codesByType);
  const pairs = Object.entries(target.codesByType).flatMap(([type, codes]) => codes.map((code) => `${type} ${code}`));
  const own = types.includes('Patient') ? `SELECT 'Patient'::text, cnx.patient_id UNION ` : '';
  return `${own}SELECT cnm.resource_type, cnm.resource_id ${member}
      AND cnm.resource_type = ANY(${params.add(types)}::text[])
      AND cnm.resource_type || ' ' || cnm.code = ANY(${params.add(pairs)}::text[])`;
}

/**
 * The resources a caller's view hides by consent, as a query of (resource_type, id) rows.
 * `patients` (a placeholder of a text array) narrows to those patients' Consents. Uncorrelated:
 * the database reads it once per statement.
 */
export function buildConsentHiddenQuery(options: {
  caller: ConsentCaller;
  target: ConsentTarget;
  tenant: string;
  params: Placeholders;
  patients?: string;
}): string {
  const { caller, target, tenant, params } = options;
  const [type, id] = ['cny.resource_type', 'cny.id'];
  const matches = (provision: string) => appliesToResource(provision, type, id, tenant);
  const patients = options.patients === undefined ? undefined : `= ANY(${options.patients}::text[])`;
  // A deny provision hides a resource it applies to when every provision above it applies to the
  // resource too and none of its own nested provisions does.
  return `WITH ${provisionsInForce(caller, tenant, params, patients)}
    SELECT DISTINCT cny.resource_type, cny.id FROM cnv cnx
    CROSS JOIN LATERAL (${candidates(target, tenant, params)}) cny (resource_type, id)
    WHERE cnx.kind = 'deny' AND ${matches('cnx')}
      AND NOT EXISTS (SELECT 1 FROM cnv cnu WHERE cnu.consent_id = cnx.consent_id AND cnu.patient_id = cnx.patient_id
        AND starts_with(cnx.path, cnu.path || '.') AND NOT ${matches('cnu')})
      AND NOT EXISTS (SELECT 1 FROM cnv cnh WHERE cnh.consent_id = cnx.consent_id AND cnh.patient_id = cnx.patient_id
        AND cnh.parent = cnx.path AND ${matches('cnh')})`;
}

/**
 * A query with a row when a deny provision of one of the patient's Consents applies to the caller
 * now (whatever it hides): the record is then not whole for them.
 */
export function buildDenyInForceQuery(options: {
  caller: ConsentCaller;
  tenant: string;
  params: Placeholders;
  patient: string;
}): string {
  const { caller, tenant, params, patient } = options;
  return `WITH ${provisionsInForce(caller, tenant, params, `= ${patient}`)}
    SELECT 1 FROM cnv WHERE cnv.kind = 'deny' LIMIT 1`;
}

/**
 * A condition true when no active Consent of the tenant has a deny provision at all (whoever asks):
 * evaluated once per statement, so a tenant without denials pays one look at its Consents.
 */
export function buildNoDenialsCondition(tenant: string): string {
  return `NOT EXISTS (SELECT 1 FROM resource cnf WHERE cnf.tenant_id = ${tenant} AND cnf.resource_type = 'Consent'
    AND NOT cnf.deleted AND cnf.content ->> 'status' = 'active'
    AND jsonb_path_exists(cnf.content, 'lax $.provision.** ? (@.type == "deny")'))`;
}
