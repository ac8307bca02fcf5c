import type { Database, Queryable } from '../../../platform/db/index.ts';
import { BindingPathError, resolveBindingPath } from './binding-path.ts';
import { deleteBinding, replaceBindings, type TerminologyBinding } from './binding-store.ts';
import { BindingRequestError } from './errors.ts';
import { resolveValueSet } from './resolve-value-set.ts';
import { systemsOf, ValueSetResolutionError, type CompiledValueSet } from './value-set-rules.ts';

/** Code systems whose whole content (or a filtered part) an include needs, imports included. */
function systemsNeedingRelease(valueSet: CompiledValueSet, into = new Set<string>()): Set<string> {
  for (const rule of valueSet.includes) {
    if (rule.system && (!rule.concepts || rule.filters.length > 0)) {
      into.add(rule.system);
    }
    rule.valueSets.forEach((imported) => systemsNeedingRelease(imported, into));
  }
  return into;
}

async function findLoadedSystems(q: Queryable, urls: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ url: string }>(
    'SELECT url FROM term_system WHERE url = ANY($1::text[]) AND is_current',
    [urls],
  );
  return new Set(rows.map((row) => row.url));
}

/**
 * Checks bindings a tenant wants to require: a known resource type, a path to a code, Coding or
 * CodeableConcept element, no path bound twice, and a value set that resolves for the tenant and
 * draws on loaded code systems (a bare `code` element needs a value set of exactly one system).
 * @returns the bindings with paths in their stored form (`Condition.code`)
 * @throws BindingRequestError listing every problem at once
 */
export async function validateBindings(
  q: Queryable,
  tenantId: string,
  bindings: TerminologyBinding[],
): Promise<TerminologyBinding[]> {
  const problems: string[] = [];
  const normalized: TerminologyBinding[] = [];
  const seen = new Set<string>();
  const valueSets = new Map<string, Promise<CompiledValueSet>>();
  for (const [index, binding] of bindings.entries()) {
    const field = `bindings[${index}]`;
    let type: string;
    let path: string;
    try {
      ({ type, path } = resolveBindingPath(binding.resourceType, binding.path));
    } catch (error) {
      if (!(error instanceof BindingPathError)) {
        throw error;
      }
      problems.push(`${field}.${error.field}: ${error.message}`);
      continue;
    }
    if (seen.has(path)) {
      problems.push(`${field}.path: ${path} is bound more than once`);
      continue;
    }
    seen.add(path);
    try {
      const valueSet = await resolveValueSet(q, tenantId, binding.valueSet, valueSets);
      const systems = [...systemsOf(valueSet)];
      if (systems.length === 0) {
        problems.push(`${field}.valueSet: value set ${binding.valueSet} includes no code system`);
        continue;
      }
      if (type === 'code' && systems.length !== 1) {
        problems.push(
          `${field}.valueSet: ${path} is a bare code, so its value set must draw on exactly one code system`,
        );
        continue;
      }
      const needed = [...systemsNeedingRelease(valueSet)];
      const loaded = await findLoadedSystems(q, needed);
      const missing = needed.filter((system) => !loaded.has(system));
      if (missing.length > 0) {
        problems.push(
          `${field}.valueSet: value set ${binding.valueSet} needs code systems that are not loaded: ${missing.join(', ')}`,
        );
        continue;
      }
    } catch (error) {
      if (!(error instanceof ValueSetResolutionError)) {
        throw error;
      }
      problems.push(`${field}.valueSet: ${error.message}`);
      continue;
    }
    normalized.push({ resourceType: binding.resourceType, path, valueSet: binding.valueSet });
  }
  if (problems.length > 0) {
    throw new BindingRequestError('TERM_BINDING_INVALID', 'Invalid terminology bindings', problems);
  }
  return normalized;
}

/** Replaces a tenant's bindings after validating them; returns them as stored. */
export async function configureBindings(
  db: Database,
  options: { tenantId: string; bindings: TerminologyBinding[] },
): Promise<TerminologyBinding[]> {
  return db.transaction(async (tx) => {
    const bindings = await validateBindings(tx, options.tenantId, options.bindings);
    await replaceBindings(tx, options.tenantId, bindings);
    return bindings;
  });
}

/**
 * Removes the tenant's binding of `path` (`Condition.code`, or `code` with the type implied).
 * @throws BindingRequestError TERM_BINDING_NOT_FOUND when the tenant has none there
 */
export async function removeBinding(
  q: Queryable,
  options: { tenantId: string; resourceType: string; path: string },
): Promise<void> {
  const { tenantId, resourceType } = options;
  const path = options.path.startsWith(`${resourceType}.`) ? options.path : `${resourceType}.${options.path}`;
  if (!(await deleteBinding(q, tenantId, { resourceType, path }))) {
    throw new BindingRequestError('TERM_BINDING_NOT_FOUND', `No binding of ${path}`);
  }
}
