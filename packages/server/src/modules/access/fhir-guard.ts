// The FHIR access decision: the token's SMART scopes (checkFhirAccess) intersected with the
// tenant's access policy for the user's roles, the care-team reach and patients' consent, with
// break-the-glass as the stated-reason way past the last two. Called for every FHIR request the
// router runs, bundle entries included.
import { forbidden, notFound, OutcomeError } from '@caregraph/core/fhir';
import { createAccessFilter, isOpen, type AccessFilter, type FilterIdentity } from './access-filter.ts';
import {
  checkFhirAccess,
  referencedPatients,
  targetOf,
  type AccessIdentity,
  type CompartmentProbe,
  type FhirAccessRequest,
  type Target,
} from './fhir-access.ts';
import { isUnrestricted, type AccessPolicy } from './policy.ts';
import type { ScopeInteraction } from './smart-scopes.ts';
import type { Queryable } from '../../platform/db/index.ts';

/** What the guard asks of the stored data (supplied by the FHIR module, which owns the tables). */
export type AccessProbe = CompartmentProbe & {
  /** Whether `type` is an R4 resource type: requests naming anything else are the router's to refuse (400). */
  isResourceType: (type: string) => boolean;
  /**
   * For a live resource: whether the filter's grants for `interaction` reach it, and whether no
   * deny consent hides it. Undefined when there is no live resource of that id.
   */
  checkInstance: (
    filter: AccessFilter,
    resourceType: string,
    id: string,
    interaction: ScopeInteraction,
  ) => Promise<{ isReached: boolean; isConsented: boolean } | undefined>;
  /** The ones of `patientIds` that the grants of `interaction` on `resourceType` reach (existing patients only). */
  findReachedPatients: (
    filter: AccessFilter,
    resourceType: string,
    interaction: ScopeInteraction,
    patientIds: readonly string[],
  ) => Promise<Set<string>>;
  /** The resource types of the Patient compartment. */
  patientCompartmentTypes: () => readonly string[];
  /**
   * The resources (`Type/id`) of `patientIds` (every patient when undefined) that the patients'
   * Consents hide from the filter's caller; empty for callers consent does not bind.
   */
  findHiddenResources: (filter: AccessFilter, patientIds: readonly string[] | undefined) => Promise<Set<string>>;
  /** Whether a deny provision of one of the patient's active Consents applies to the filter's caller now. */
  hasDenyConsent: (filter: AccessFilter, patientId: string) => Promise<boolean>;
  /** The same probe asking through `q` (an open transaction). */
  within: (q: Queryable) => AccessProbe;
  /**
   * Whether the live resource, as `q` (the writing transaction) sees it, is within one of the
   * filter's grants for `interaction`: their criteria (`criteria`), or the patients they reach
   * (`reach`). Consent is not part of it.
   */
  isStoredWithin: (
    q: Queryable,
    filter: AccessFilter,
    resourceType: string,
    id: string,
    interaction: ScopeInteraction,
    part: 'criteria' | 'reach',
  ) => Promise<boolean>;
};

/** The caller: SMART scopes and launch patient, roles, and who they are (fhirUser). */
export type GuardIdentity = AccessIdentity & FilterIdentity;

/** A use of break-the-glass: the record opened beyond the caller's normal reach. */
export type BreakGlassUse = { reference: string };

/** A resource just stored by a create or an update, not yet committed. */
export type WrittenResource = { resourceType: string; id: string; interaction: 'c' | 'u' };

/** The per-request guard the FHIR router calls; `filter` restricts searches and includes in SQL. */
export type FhirAccessGuard = {
  /** Checks one request (throws a 403 or 404 OperationOutcome); `q`: the transaction it runs in, if one is open. */
  authorize: <Request extends FhirAccessRequest>(request: Request, q?: Queryable) => Promise<Request>;
  /**
   * Refuses (403) a stored resource that matches none of the criteria of the policy rows allowing
   * the write: the router calls it in the writing transaction, so a refusal stores nothing.
   */
  checkWritten: (q: Queryable, written: WrittenResource) => Promise<void>;
  filter: AccessFilter;
  /** The records opened by breaking the glass during the request (empty when the reason was not needed). */
  breakGlassUses: BreakGlassUse[];
};

function deny(reason: string): never {
  throw new OutcomeError(forbidden(reason));
}

const what = (interactions: readonly ScopeInteraction[], resourceType: string) =>
  `${resourceType === '*' ? 'the whole server' : resourceType} (${interactions.join('')})`;

/**
 * A guard for one request of one caller. `breakGlassReason`: the reason the caller stated
 * (`X-Break-Glass-Reason`); with it, policy rows that allow break-the-glass reach every patient and
 * consent, and each record so opened is listed in `breakGlassUses`.
 */
export function createFhirAccessGuard(options: {
  identity: GuardIdentity;
  policies: readonly AccessPolicy[];
  probe: AccessProbe;
  breakGlassReason: string | undefined;
}): FhirAccessGuard {
  const { identity, policies } = options;
  // The probe of the request being authorised: on the open transaction of a Bundle's entry (an
  // embedded database runs one connection, which a query outside the transaction would wait for).
  // Entries are authorised one after another, so one variable serves.
  let probe = options.probe;
  const hasReason = options.breakGlassReason !== undefined;
  const normal = createAccessFilter(policies, identity, false);
  const broken = createAccessFilter(policies, identity, true);
  const uses: BreakGlassUse[] = [];
  // Patched resources: the patch document names no patient, so whose they are is checked once stored.
  const patched = new Set<string>();
  const canBreakGlass = (resourceType: string, interaction: ScopeInteraction) =>
    hasReason && normal.rulesFor(resourceType, interaction).grants.some((grant) => grant.breakGlass);
  const noteUse = (reference: string) => {
    if (!uses.some((use) => use.reference === reference)) {
      uses.push({ reference });
    }
  };

  /** Every interaction allowed with no condition at all (type- and system-level work that cannot be narrowed). */
  function requireUnrestricted(resourceType: string, interactions: readonly ScopeInteraction[]) {
    for (const interaction of interactions) {
      if (!isUnrestricted(normal.rulesFor(resourceType, interaction).grants)) {
        deny(`The access policy does not allow ${what(interactions, resourceType)} beyond the records you reach`);
      }
    }
  }

  function requireGrant(resourceType: string, interaction: ScopeInteraction) {
    if (normal.rulesFor(resourceType, interaction).grants.length === 0) {
      deny(`The access policy of your role does not allow ${what([interaction], resourceType)}`);
    }
  }

  /** A new or updated resource must stay among the patients the caller reaches. */
  async function checkBody(resourceType: string, interaction: ScopeInteraction, body: unknown, reference: string) {
    const rules = normal.rulesFor(resourceType, interaction);
    if (isUnrestricted(rules.grants) || resourceType === 'Patient' || !probe.isPatientCompartmentType(resourceType)) {
      return;
    }
    const patients = referencedPatients(body);
    const reached = await probe.findReachedPatients(normal, resourceType, interaction, patients);
    if (patients.length > 0 && patients.every((id) => reached.has(id))) {
      return;
    }
    if (canBreakGlass(resourceType, interaction)) {
      const glass = await probe.findReachedPatients(broken, resourceType, interaction, patients);
      if (patients.length > 0 && patients.every((id) => glass.has(id))) {
        noteUse(reference);
        return;
      }
    }
    deny(`The ${resourceType} must reference only patients you reach`);
  }

  /**
   * No query is needed when the rules reach every record of the type without condition: any
   * criteria-free grant on data outside the Patient compartment (which consent does not cover), or
   * open rules (every patient, no consent) on patient data.
   */
  function needsNoInstanceCheck(resourceType: string, interaction: ScopeInteraction): boolean {
    const rules = normal.rulesFor(resourceType, interaction);
    const isPatientData = resourceType === 'Patient' || probe.isPatientCompartmentType(resourceType);
    return isPatientData ? isOpen(rules) : rules.grants.some((grant) => grant.criteria === undefined);
  }

  async function checkInstance(target: Extract<Target, { kind: 'instance' }>, request: FhirAccessRequest) {
    const { resourceType, id } = target;
    const reference = `${resourceType}/${id}`;
    for (const interaction of target.interactions) {
      requireGrant(resourceType, interaction);
      if (needsNoInstanceCheck(resourceType, interaction)) {
        continue;
      }
      const found = await probe.checkInstance(normal, resourceType, id, interaction);
      if (found === undefined) {
        // Absent or deleted: the interaction answers 404 or 410, and an update creates (checked as a create).
        if (interaction === 'u') {
          await checkBody(resourceType, 'c', request.body, reference);
        }
        continue;
      }
      if (!found.isReached || !found.isConsented) {
        const glass = canBreakGlass(resourceType, interaction)
          ? await probe.checkInstance(broken, resourceType, id, interaction)
          : undefined;
        if (!glass?.isReached || !glass.isConsented) {
          // Beyond reach: 403 (the caller may break the glass). Hidden by consent: 404, since even
          // the existence of a restricted record (a mental-health note) is what the patient withheld.
          if (!found.isReached) {
            deny(`${reference} belongs to a patient outside your care; state a break-glass reason to open it`);
          }
          throw new OutcomeError(notFound(`${reference} not found`));
        }
        noteUse(reference);
      }
      if (interaction === 'u' && request.method === 'PATCH') {
        patched.add(reference);
      } else if (interaction === 'u') {
        await checkBody(resourceType, 'u', request.body, reference);
      }
    }
    if (request.path.endsWith('/$everything')) {
      await checkEverything(resourceType, id);
    }
  }

  /**
   * `$everything` reads a compartment at large, outside the search filter: it needs a criteria-free
   * read of every Patient-compartment type, over the same patients as the record itself (so the front
   * desk, who may read Patient, gets no clinical data through it). A patient's deny consent hides
   * parts of the record, so then it needs the glass.
   */
  async function checkEverything(resourceType: string, id: string) {
    const record = normal.rulesFor(resourceType, 'r').grants;
    for (const type of probe.patientCompartmentTypes()) {
      const covered = normal
        .rulesFor(type, 'r')
        .grants.some(
          (grant) =>
            grant.criteria === undefined &&
            (grant.patients === 'any' || record.some((own) => own.patients === grant.patients)),
        );
      if (!covered) {
        deny(`$everything needs read access to every resource type of the record; ${type} is not allowed in full`);
      }
    }
    const rules = normal.rulesFor('Patient', 'r');
    if (resourceType === 'Patient' && rules.isConsentEnforced && (await probe.hasDenyConsent(normal, id))) {
      if (!canBreakGlass('Patient', 'r')) {
        throw new OutcomeError(
          forbidden(
            `The patient's consent restricts parts of this record: search by type, or state a break-glass reason`,
          ),
        );
      }
      noteUse(`Patient/${id}`);
    }
  }

  async function checkSearch(resourceType: string, compartment: { type: string; id: string } | undefined) {
    requireGrant(resourceType === '*' ? 'Patient' : resourceType, 's');
    if (hasReason && resourceType !== '*' && canBreakGlass(resourceType, 's')) {
      noteUse(compartment ? `${compartment.type}/${compartment.id}/${resourceType}` : resourceType);
    }
  }

  async function checkPolicy(request: FhirAccessRequest): Promise<void> {
    if (request.path === 'AuditEvent' || request.path.startsWith('AuditEvent/')) {
      // Answered from the audit trail, whose module admits only its reader roles.
      return;
    }
    const target = targetOf(request);
    if (target.kind !== 'system' && !probe.isResourceType(target.resourceType)) {
      return;
    }
    switch (target.kind) {
      case 'system':
        // A batch or transaction is checked entry by entry; a system search is filtered type by type.
        if (request.method === 'POST' && request.path === '') {
          return;
        }
        if (target.interactions.length === 1 && target.interactions[0] === 's' && !request.path.includes('_history')) {
          return;
        }
        requireUnrestricted('*', target.interactions);
        return;
      case 'type':
        requireUnrestricted(target.resourceType, target.interactions);
        return;
      case 'create':
        requireGrant(target.resourceType, 'c');
        return checkBody(target.resourceType, 'c', request.body, target.resourceType);
      case 'search':
        return checkSearch(target.resourceType, target.compartment);
      case 'instance':
        return checkInstance(target, request);
    }
  }

  return {
    async authorize(request, q) {
      probe = q ? options.probe.within(q) : options.probe;
      try {
        const scoped = await checkFhirAccess(identity, request, probe);
        await checkPolicy(scoped);
        return scoped;
      } finally {
        probe = options.probe;
      }
    },
    // The criteria are checked on the stored form, with the search's own SQL, so a write is held to
    // exactly what a search under the same row would find. Break-the-glass widens whose records a
    // user reaches, not what they may write.
    async checkWritten(q, { resourceType, id, interaction }) {
      const reference = `${resourceType}/${id}`;
      if (patched.has(reference) && !needsNoInstanceCheck(resourceType, interaction)) {
        if (!(await probe.isStoredWithin(q, normal, resourceType, id, interaction, 'reach'))) {
          const glass =
            canBreakGlass(resourceType, interaction) &&
            (await probe.isStoredWithin(q, broken, resourceType, id, interaction, 'reach'));
          if (!glass) {
            deny(`The patched ${resourceType} must stay with patients you reach`);
          }
          noteUse(reference);
        }
      }
      const { grants } = normal.rulesFor(resourceType, interaction);
      if (grants.length === 0 || grants.some((grant) => grant.criteria === undefined)) {
        return;
      }
      if (!(await probe.isStoredWithin(q, normal, resourceType, id, interaction, 'criteria'))) {
        const criteria = grants.map((grant) => grant.criteria).join(' or ');
        deny(`The ${resourceType} must match the criteria your role may write under (${criteria})`);
      }
    },
    // With a stated reason, searches run through the broken-glass filter (checkSearch lists the use).
    filter: hasReason ? broken : normal,
    breakGlassUses: uses,
  };
}
