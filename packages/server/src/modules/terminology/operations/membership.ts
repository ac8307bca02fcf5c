import { OutcomeError, type ValueSet } from '@caregraph/core/fhir';
import { statementNamer } from '../../../platform/db/statement-names.ts';
import { ComposeCompiler } from './compose-sql.ts';
import type { ResourceSource } from './code-systems.ts';
import type { TerminologyContext } from './context.ts';
import { SqlParams } from './sql-params.ts';
import { composeOf, resolveValueSet } from './value-sets.ts';

/** A code to check, in the current release of its system. */
export type CodeKey = { system: string; code: string };

/** Whether a code is an active member of a value set (with the display to show), or why not. */
export type CodeMembership =
  | { isMember: true; display: string | undefined }
  | { isMember: false; reason: 'system-not-loaded' | 'unknown-code' | 'inactive' | 'not-in-value-set' };

export type MembershipOptions = {
  /** Take listed concepts of systems this server does not know as members (see `CompileOptions`). */
  listsOfUnknownSystems?: boolean;
};

/**
 * Membership statements as prepared statements, at most 100 texts. The text varies with the value
 * set's definition and the systems checked, never with the codes (parameters), so the few value sets
 * a tenant binds give a few texts, which PostgreSQL then parses once per connection and, once it
 * settles on a generic plan, plans once too.
 */
const statementOptions = statementNamer('term_membership', 100);

type MembershipRow = {
  n: number | string;
  system_loaded: boolean;
  known: boolean;
  active: boolean;
  display: string | null;
  is_member: boolean;
  current_release: number | null;
};

/** The membership query of `codes`, unrun: compiling it checks the value set (filters, imports, systems). */
async function membershipQuery(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  codes: readonly CodeKey[],
  options: MembershipOptions,
): Promise<{
  sql: string;
  params: unknown[];
  releases: ReadonlyMap<string, number>;
  resourceSources: ReadonlyMap<string, ResourceSource>;
}> {
  const bySystem = new Map<string, string[]>();
  for (const { system, code } of codes) {
    bySystem.set(system, [...(bySystem.get(system) ?? []), code]);
  }
  const params = new SqlParams();
  const compiler = new ComposeCompiler(ctx, params, {
    restriction: { codes: bySystem, activeOnly: true },
    ...(options.listsOfUnknownSystems ? { listsOfUnknownSystems: true } : {}),
  });
  const members =
    (await compiler.members(valueSet)) ??
    'SELECT NULL::text AS system, NULL::text AS code, NULL::text AS display, 0 AS include_order, 0 AS position WHERE false';
  const systems = params.add(
    codes.map((key) => key.system),
    '::text[]',
  );
  const values = params.add(
    codes.map((key) => key.code),
    '::text[]',
  );
  // The facts of the current release explain a refusal; its display wins over the value set's, as
  // the code system is the authority on what a code means.
  const sql = `SELECT q.n, s.id AS current_release, s.id IS NOT NULL AS system_loaded, c.code IS NOT NULL AS known,
      coalesce(c.active, false) AS active, coalesce(c.display, m.display) AS display, m.code IS NOT NULL AS is_member
    FROM unnest(${systems}, ${values}) WITH ORDINALITY AS q(system, code, n)
    LEFT JOIN term_system s ON s.url = q.system AND s.is_current
    LEFT JOIN term_concept c ON c.system_id = s.id AND c.code = q.code
    LEFT JOIN (
      SELECT DISTINCT ON (u.system, u.code) u.system, u.code, u.display FROM (${members}) u
      ORDER BY u.system, u.code, u.include_order, u.position
    ) m ON m.system = q.system AND m.code = q.code`;
  const resourceSources = new Map([...compiler.resourceSources.values()].map((source) => [source.url, source]));
  return { sql, params: params.values, releases: compiler.storedReleases, resourceSources };
}

/**
 * Whether each code is an active member of the value set, in one query whatever their number:
 * the value set's definition compiled by the same `ComposeCompiler` as `$expand` and
 * `$validate-code`, restricted to these codes. The answers are in the order of `codes`.
 * @throws OutcomeError when the value set cannot be evaluated (unknown import or system, bad filter)
 */
export async function checkCodesInValueSet(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  codes: readonly CodeKey[],
  options: MembershipOptions = {},
): Promise<CodeMembership[]> {
  if (codes.length === 0) {
    return [];
  }
  if (!ctx.currentReleases?.size) {
    return (await runMembership(ctx, valueSet, codes, options)).answers;
  }
  // Releases remembered from earlier transactions may have been replaced since: the query reads
  // which release is current, and a stale one (or an error it may have caused) means once more afresh.
  let checked: Awaited<ReturnType<typeof runMembership>> | undefined;
  try {
    checked = await runMembership(ctx, valueSet, codes, options);
  } catch (error) {
    if (!(error instanceof OutcomeError)) {
      throw error;
    }
  }
  if (checked && !checked.stale) {
    return checked.answers;
  }
  ctx.currentReleases.clear();
  ctx.resolved?.clear();
  return (await runMembership(ctx, valueSet, codes, options)).answers;
}

async function runMembership(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  codes: readonly CodeKey[],
  options: MembershipOptions,
): Promise<{ answers: CodeMembership[]; stale: boolean }> {
  const { sql, params, releases, resourceSources } = await membershipQuery(ctx, valueSet, codes, options);
  const { rows } = await ctx.db.query<MembershipRow>(sql, params, statementOptions(sql));
  const answers: CodeMembership[] = codes.map(() => ({ isMember: false, reason: 'system-not-loaded' }));
  let stale = false;
  for (const row of rows) {
    const index = Number(row.n) - 1;
    const system = codes[index]?.system ?? '';
    const used = releases.get(system);
    const remembered = used !== undefined && ctx.currentReleases?.get(system)?.id === used;
    if (remembered && row.current_release !== used) {
      stale = true;
    }
    // A code of a CodeSystem resource is judged by the resource, which the query does not read.
    const concept = row.system_loaded ? undefined : resourceSources.get(system)?.concepts.get(codes[index]?.code ?? '');
    const known = row.system_loaded ? row.known : concept !== undefined;
    const active = row.system_loaded ? row.active : (concept?.active ?? false);
    const loaded = row.system_loaded || resourceSources.has(system);
    answers[index] = row.is_member
      ? { isMember: true, display: row.display ?? undefined }
      : {
          isMember: false,
          reason: !loaded ? 'system-not-loaded' : !known ? 'unknown-code' : active ? 'not-in-value-set' : 'inactive',
        };
  }
  return { answers, stale };
}

/**
 * Checks that the value set can be evaluated for codes of its systems, without running a query
 * over them: its imports resolve, its filters are well formed and name known codes.
 * @throws OutcomeError naming what cannot be evaluated
 */
export async function checkValueSetEvaluable(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  systems: Iterable<string>,
  options: MembershipOptions = {},
): Promise<void> {
  await membershipQuery(
    ctx,
    valueSet,
    [...systems].map((system) => ({ system, code: '' })),
    options,
  );
}

/** The code systems a value set draws on, imports included. */
export type ValueSetSystems = {
  all: Set<string>;
  /** Systems an include takes whole or filtered, which only a loaded release can answer for. */
  needingRelease: Set<string>;
};

/**
 * The code systems a value set (or its expansion, when it has no compose) draws on, imports
 * included; an import that does not resolve is an OutcomeError.
 */
export async function systemsOfValueSet(ctx: TerminologyContext, valueSet: ValueSet): Promise<ValueSetSystems> {
  const systems: ValueSetSystems = { all: new Set(), needingRelease: new Set() };
  const visited = new Set<string>();
  const visit = async (current: ValueSet, isInclude: boolean): Promise<void> => {
    const compose = composeOf(current);
    const parts = [
      ...compose.include.map((part) => ({ part, isInclude })),
      ...(compose.exclude ?? []).map((part) => ({ part, isInclude: false })),
    ];
    for (const { part, isInclude: including } of parts) {
      if (part.system) {
        systems.all.add(part.system);
        if (including && !part.concept?.length) {
          systems.needingRelease.add(part.system);
        }
      }
      for (const canonical of part.valueSet ?? []) {
        // Each import once: a cycle is reported when the value set is compiled.
        if (!visited.has(canonical)) {
          visited.add(canonical);
          await visit(await resolveValueSet(ctx, canonical), including);
        }
      }
    }
  };
  await visit(valueSet, true);
  return systems;
}
