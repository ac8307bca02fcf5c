import type { Criterion } from './criteria.ts';
import { splitToken, splitUnescaped } from './search-values.ts';

/** Whether a token value names no system (`code`), or one the tenant's policy seals. */
function mayBeSealed(value: string, sealedSystems: ReadonlySet<string>, isIdentifier: boolean): boolean {
  const { system } = splitToken(value);
  return system === undefined ? isIdentifier : sealedSystems.has(system);
}

/**
 * Whether building the SQL of these criteria can use the tenant's blind index (sealed identifiers
 * are searched by keyed tokens, `value-conditions.ts`): a token or `:identifier` value whose system
 * is sealed, an identifier without a system (it may be a sealed one), `:of-type`, and the same
 * inside chains, `_has` and composites. Every other search skips reading the tenant's keys, one
 * database round trip per request.
 */
export function usesBlindIndex(criteria: readonly Criterion[], sealedSystems: ReadonlySet<string>): boolean {
  if (sealedSystems.size === 0) {
    return false;
  }
  return criteria.some((criterion) => criterionUsesBlindIndex(criterion, sealedSystems));
}

function criterionUsesBlindIndex(criterion: Criterion, sealedSystems: ReadonlySet<string>): boolean {
  switch (criterion.kind) {
    case 'value': {
      const { parameter, modifier, values, name } = criterion;
      if (parameter.type === 'composite') {
        // Components are split at `$`; any token part may name a sealed system.
        return values.some((value) =>
          splitUnescaped(value, '$').some((part) => mayBeSealed(part, sealedSystems, false)),
        );
      }
      if (parameter.type === 'reference') {
        return modifier === 'identifier' && values.some((value) => mayBeSealed(value, sealedSystems, true));
      }
      if (parameter.type !== 'token' || modifier === 'text' || modifier === 'missing') {
        return false;
      }
      return modifier === 'of-type' || values.some((value) => mayBeSealed(value, sealedSystems, name === 'identifier'));
    }
    case 'chain':
      return [...criterion.next.values()].some((next) => criterionUsesBlindIndex(next, sealedSystems));
    case 'has':
      return criterionUsesBlindIndex(criterion.next, sealedSystems);
    case 'column':
    case 'list':
    case 'text':
    case 'compartment':
      return false;
  }
}
