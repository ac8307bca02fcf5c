import {
  badRequest,
  OutcomeError,
  type ValueSet,
  type ValueSetCompose,
  type ValueSetComposeInclude,
} from '@caregraph/core/fhir';
import { notFoundAt } from './code-systems.ts';
import {
  findTenantResourceByUrl,
  readTenantResource,
  resolveOnce,
  splitCanonical,
  type TerminologyContext,
} from './context.ts';
import type { OperationInput } from './parameters.ts';

/**
 * The value set a URL names without a resource, as HL7 defines for SNOMED CT and LOINC and we
 * allow for any loaded code system: `{system}?fhir_vs` is every concept of the system and
 * `{system}?fhir_vs=isa/{code}` the code and its descendants; `http://loinc.org/vs` is all of LOINC.
 */
export function implicitValueSet(url: string): ValueSet | undefined {
  let include: ValueSetComposeInclude | undefined;
  if (url === 'http://loinc.org/vs') {
    include = { system: 'http://loinc.org' };
  }
  const match = /^([^?]+)\?fhir_vs(?:=isa\/(.+))?$/.exec(url);
  if (match?.[1]) {
    include = match[2]
      ? { system: match[1], filter: [{ property: 'concept', op: 'is-a', value: match[2] }] }
      : { system: match[1] };
  }
  return include ? { resourceType: 'ValueSet', url, status: 'active', compose: { include: [include] } } : undefined;
}

/** A value set from the shared terminology tables (FHIR core value sets, value sets loaded from files). */
async function findSharedValueSet(ctx: TerminologyContext, url: string, version?: string) {
  const { rows } = await ctx.db.query<{ resource: ValueSet | string }>(
    `SELECT resource FROM term_value_set WHERE url = $1 AND ($2::text IS NULL OR version = $2)
     ORDER BY is_current DESC, version DESC LIMIT 1`,
    [url, version ?? null],
  );
  const resource = rows[0]?.resource;
  return typeof resource === 'string' ? (JSON.parse(resource) as ValueSet) : resource;
}

/**
 * The value set a canonical URL (optionally `url|version`) names: the tenant's own ValueSet
 * resources first, so a tenant can refine a shared value set under its own resource, then the
 * shared value sets, then the implicit ones. A 404 naming `expression` when none is known.
 */
export async function resolveValueSet(
  ctx: TerminologyContext,
  canonical: string,
  options: { version?: string | undefined; expression?: string } = {},
): Promise<ValueSet> {
  const { url, version } = splitCanonical(canonical, options.version);
  const found = await resolveOnce(
    ctx,
    `ValueSet\u0000${url}\u0000${version ?? ''}`,
    async () =>
      (ctx.findValueSet
        ? await ctx.findValueSet(url, version)
        : ((await findTenantResourceByUrl<ValueSet>(ctx, 'ValueSet', url, version)) ??
          (await findSharedValueSet(ctx, url, version)))) ??
      (version === undefined ? implicitValueSet(url) : undefined),
  );
  if (!found) {
    const named = `${url}${version === undefined ? '' : ` version ${version}`}`;
    throw new OutcomeError(notFoundAt(`Value set ${named} is not known to this server`, options.expression));
  }
  return found;
}

/** The tenant's `ValueSet/{id}`, for the instance forms of `$expand` and `$validate-code`. */
export function readValueSetInstance(ctx: TerminologyContext, id: string): Promise<ValueSet> {
  return readTenantResource<ValueSet>(ctx, 'ValueSet', id);
}

/**
 * What a value set contains: its `compose`, or for a value set published only as an expansion,
 * the expansion's codes as explicit includes (one per system and version).
 */
export function composeOf(valueSet: ValueSet): ValueSetCompose {
  if (valueSet.compose) {
    return valueSet.compose;
  }
  const bySystem = new Map<string, ValueSetComposeInclude>();
  const visit = (contains: NonNullable<ValueSet['expansion']>['contains']) => {
    for (const entry of contains ?? []) {
      if (entry.system && entry.code) {
        const key = `${entry.system}|${entry.version ?? ''}`;
        const include = bySystem.get(key) ?? {
          system: entry.system,
          ...(entry.version ? { version: entry.version } : {}),
          concept: [],
        };
        include.concept?.push({ code: entry.code, ...(entry.display ? { display: entry.display } : {}) });
        bySystem.set(key, include);
      }
      visit(entry.contains);
    }
  };
  visit(valueSet.expansion?.contains);
  return { include: [...bySystem.values()] };
}

/**
 * The value set an operation is about: the instance it was called on, `url` (with
 * `valueSetVersion`), or a `valueSet` sent in the request — exactly one of them.
 */
export async function valueSetFromInput(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<ValueSet> {
  const url = input.text('url');
  const inline = input.resource('valueSet') as ValueSet | undefined;
  const given = [instanceId !== undefined, url !== undefined, inline !== undefined].filter(Boolean).length;
  if (given !== 1) {
    const text =
      instanceId !== undefined
        ? `ValueSet/${instanceId} is the value set: url and valueSet cannot be given too`
        : given === 0
          ? 'url or valueSet is required'
          : 'Give either url or valueSet, not both';
    throw new OutcomeError(badRequest(text, given === 0 ? 'url' : 'valueSet'));
  }
  if (instanceId !== undefined) {
    return readValueSetInstance(ctx, instanceId);
  }
  if (url !== undefined) {
    return resolveValueSet(ctx, url, { version: input.text('valueSetVersion'), expression: 'url' });
  }
  return inline as ValueSet;
}
