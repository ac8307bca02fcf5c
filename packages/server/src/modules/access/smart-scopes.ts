// SMART App Launch scopes (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html): parsing,
// coverage between scopes, and what a set of granted scopes allows on one resource type.

/** Whose data a scope reaches: the launch patient's, whatever the user may see, or the client's. */
export type ScopeContext = 'patient' | 'user' | 'system';

/** SMART v2 interaction classes: create, read, update, delete, search. */
export type ScopeInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** A resource scope such as `patient/Observation.rs` (v2) or `user/*.read` (v1, read as `.rs`). */
export type ResourceScope = {
  context: ScopeContext;
  /** A FHIR resource type, or `*` for every type. */
  resourceType: string;
  interactions: ReadonlySet<ScopeInteraction>;
};

const INTERACTION_ORDER: readonly ScopeInteraction[] = ['c', 'r', 'u', 'd', 's'];

// v1 permissions as SMART v2 §"Scopes for requesting FHIR resources" maps them.
const V1_PERMISSIONS: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };

const SCOPE_PATTERN = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]+)$/;

/**
 * Parses one resource scope, v2 (`.cruds` letters, in that order, at least one) or v1 (`.read`,
 * `.write`, `.*`). Answers undefined for any other scope, including v2 scopes with a query
 * (`patient/Observation.rs?category=…`), which CareGraph does not grant.
 */
export function parseResourceScope(scope: string): ResourceScope | undefined {
  const match = SCOPE_PATTERN.exec(scope);
  if (!match) {
    return undefined;
  }
  const [, context, resourceType, permission] = match as unknown as [string, ScopeContext, string, string];
  const letters = V1_PERMISSIONS[permission] ?? permission;
  if (!isOrderedInteractionList(letters)) {
    return undefined;
  }
  return { context, resourceType, interactions: new Set(letters as unknown as ScopeInteraction[]) };
}

/** `cruds` letters, each at most once, in that order (SMART v2 requires the order). */
function isOrderedInteractionList(letters: string): boolean {
  let position = -1;
  for (const letter of letters) {
    const index = INTERACTION_ORDER.indexOf(letter as ScopeInteraction);
    if (index <= position) {
      return false;
    }
    position = index;
  }
  return letters.length > 0;
}

/** A scope in v2 form: `patient/*.rs`. */
export function formatResourceScope(scope: ResourceScope): string {
  const letters = INTERACTION_ORDER.filter((letter) => scope.interactions.has(letter)).join('');
  return `${scope.context}/${scope.resourceType}.${letters}`;
}

/** Splits a space-separated scope string (or a list) into resource scopes and the rest (`openid`, `launch/patient`). */
export function parseScopes(scopes: string | readonly string[]): { resources: ResourceScope[]; others: string[] } {
  const list = typeof scopes === 'string' ? scopes.split(' ') : scopes;
  const resources: ResourceScope[] = [];
  const others: string[] = [];
  for (const scope of list) {
    if (scope === '') {
      continue;
    }
    const parsed = parseResourceScope(scope);
    if (parsed) {
      resources.push(parsed);
    } else {
      others.push(scope);
    }
  }
  return { resources, others };
}

/** Whether `allowed` grants everything `requested` asks for: same context, its type or `*`, a superset of interactions. */
export function isScopeCovered(requested: ResourceScope, allowed: ResourceScope): boolean {
  return (
    requested.context === allowed.context &&
    (allowed.resourceType === '*' || allowed.resourceType === requested.resourceType) &&
    [...requested.interactions].every((interaction) => allowed.interactions.has(interaction))
  );
}

/**
 * The requested scopes a client may have, given the scopes it is registered for: resource scopes
 * covered by a registered one, other scopes listed verbatim. Unknown or uncovered scopes are
 * dropped, as RFC 6749 §3.3 lets a server grant less than asked.
 */
export function filterAllowedScopes(requested: readonly string[], registered: readonly string[]): string[] {
  const allowed = parseScopes(registered);
  const others = new Set(allowed.others);
  return requested.filter((scope) => {
    const parsed = parseResourceScope(scope);
    return parsed ? allowed.resources.some((grant) => isScopeCovered(parsed, grant)) : others.has(scope);
  });
}

/** What granted scopes allow for one interaction on one type: nothing, only the launch patient's compartment, or anything. */
export type ScopeReach = 'none' | 'patient' | 'all';

/** The widest reach any of `scopes` gives `interaction` on `resourceType`. */
export function reachOf(
  scopes: readonly ResourceScope[],
  resourceType: string,
  interaction: ScopeInteraction,
): ScopeReach {
  let reach: ScopeReach = 'none';
  for (const scope of scopes) {
    if ((scope.resourceType === '*' || scope.resourceType === resourceType) && scope.interactions.has(interaction)) {
      if (scope.context !== 'patient') {
        return 'all';
      }
      reach = 'patient';
    }
  }
  return reach;
}
