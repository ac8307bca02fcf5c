import { OutcomeError } from '@caregraph/core/fhir';
import type { Database, Queryable } from '../../../platform/db/index.ts';
import { tryResolveCodeSystem } from '../operations/code-systems.ts';
import { checkValueSetEvaluable, systemsOfValueSet } from '../operations/membership.ts';
import { resolveValueSet } from '../operations/value-sets.ts';
import { bindingContext } from './binding-context.ts';
import { BindingPathError, resolveBindingPath } from './binding-path.ts';
import { deleteBinding, replaceBindings, type TerminologyBinding } from './binding-store.ts';
import { BindingRequestError } from './errors.ts';

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
  // Checks whether systems are loaded, so it reads the releases afresh.
  const ctx = bindingContext(q, tenantId, { rememberReleases: false });
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
      const valueSet = await resolveValueSet(ctx, binding.valueSet);
      const { all, needingRelease } = await systemsOfValueSet(ctx, valueSet);
      const systems = [...all];
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
      const missing: string[] = [];
      for (const system of needingRelease) {
        if (!(await tryResolveCodeSystem(ctx, system))) {
          missing.push(system);
        }
      }
      if (missing.length > 0) {
        problems.push(
          `${field}.valueSet: value set ${binding.valueSet} needs code systems that are not loaded: ${missing.join(', ')}`,
        );
        continue;
      }
      await checkValueSetEvaluable(ctx, valueSet, systems, { listsOfUnknownSystems: true });
    } catch (error) {
      if (!(error instanceof OutcomeError)) {
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
