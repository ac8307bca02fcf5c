import type { ValueSet } from '@caregraph/core/fhir';
import type { Designation } from '../store/index.ts';
import { ComposeCompiler, type CompileOptions, type Restriction } from './compose-sql.ts';
import type { TerminologyContext } from './context.ts';
import { SqlParams } from './sql-params.ts';
import { matchKindOfTier, matchTierSql, similarMatchSql, startsWithSql, type MatchKind } from './text-match.ts';

/** One member of an expansion. */
export type ExpansionMember = {
  system: string;
  version: string | null;
  systemName: string;
  code: string;
  display: string | null;
  active: boolean;
  /** How it matched the text restriction, when there was one. */
  matchedOn?: MatchKind;
  designations?: Designation[];
};

export type ExpansionPage = { total: number; members: ExpansionMember[] };

export type ExpansionOptions = CompileOptions & {
  offset: number;
  /** Members to return; 0 only counts them. */
  count: number;
  includeDesignations?: boolean;
};

type MemberRow = {
  system: string;
  version: string | null;
  system_name: string;
  system_id: number | null;
  code: string;
  display: string | null;
  active: boolean;
  tier: number | null;
  total: number | string;
};

/**
 * The order of an expansion: with a text filter, best matches first (exact code, code prefix,
 * word prefixes; by similarity for a fuzzy filter), active before inactive within a tier, then
 * shorter displays; without one, the order of the definition (include, then listed concept, then code).
 */
function orderSql(params: SqlParams, restriction: Restriction): { tier: string; orderBy: string } {
  const text = restriction.text;
  if (text?.mode === 'prefix') {
    return {
      tier: matchTierSql(params, text.query, 'm'),
      orderBy: `tier, m.active DESC, ${startsWithSql(params, text.query, 'm')} DESC, length(m.display), m.code, m.system`,
    };
  }
  if (text?.mode === 'similar') {
    const { score } = similarMatchSql(params, text.query, 'm');
    return { tier: '3', orderBy: `${score} DESC, m.active DESC, length(m.display), m.code, m.system` };
  }
  return { tier: 'NULL::int', orderBy: 'm.include_order, m.position, m.system, m.code' };
}

async function readDesignations(
  ctx: TerminologyContext,
  compiler: ComposeCompiler,
  rows: MemberRow[],
): Promise<Map<string, Designation[]>> {
  const byMember = new Map<string, Designation[]>();
  const stored = rows.filter((row) => row.system_id !== null);
  if (stored.length > 0) {
    const { rows: designations } = await ctx.db.query<{
      system_id: number;
      code: string;
      language: string | null;
      use_system: string | null;
      use_code: string | null;
      value: string;
    }>(
      `SELECT d.system_id, d.code, d.language, d.use_system, d.use_code, d.value
       FROM term_designation d JOIN unnest($1::int[], $2::text[]) AS m(system_id, code)
         ON d.system_id = m.system_id AND d.code = m.code`,
      [stored.map((row) => row.system_id), stored.map((row) => row.code)],
    );
    const systemOf = new Map(stored.map((row) => [row.system_id, row.system]));
    for (const designation of designations) {
      const key = `${systemOf.get(designation.system_id) ?? ''}|${designation.code}`;
      const list = byMember.get(key) ?? [];
      list.push({
        ...(designation.language ? { language: designation.language } : {}),
        ...(designation.use_system ? { useSystem: designation.use_system } : {}),
        ...(designation.use_code ? { useCode: designation.use_code } : {}),
        value: designation.value,
      });
      byMember.set(key, list);
    }
  }
  for (const row of rows.filter((member) => member.system_id === null)) {
    const source = compiler.resourceSources.get(`${row.system}|${row.version ?? ''}`);
    const designations = source?.concepts.get(row.code)?.designations ?? [];
    if (designations.length > 0) {
      byMember.set(`${row.system}|${row.code}`, designations);
    }
  }
  return byMember;
}

/**
 * Expands a value set: one query compiles its definition, removes duplicate codes (the first
 * include that lists a code gives its display), filters, ranks, counts and pages it.
 */
export async function expandValueSet(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  options: ExpansionOptions,
): Promise<ExpansionPage> {
  const params = new SqlParams();
  const compiler = new ComposeCompiler(ctx, params, options);
  const members = await compiler.members(valueSet);
  if (members === undefined) {
    return { total: 0, members: [] };
  }
  const unique = `WITH m AS (
    SELECT DISTINCT ON (u.system, u.code) u.* FROM (${members}) u ORDER BY u.system, u.code, u.include_order, u.position)`;
  const memberParams = params.values.length;
  const countRows = async () => {
    const { rows } = await ctx.db.query<{ total: number | string }>(
      `${unique} SELECT count(*) AS total FROM m`,
      params.values.slice(0, memberParams),
    );
    return Number(rows[0]?.total ?? 0);
  };
  if (options.count === 0) {
    return { total: await countRows(), members: [] };
  }
  const { tier, orderBy } = orderSql(params, options.restriction);
  const { rows } = await ctx.db.query<MemberRow>(
    `${unique}
     SELECT m.system, m.version, m.system_name, m.system_id, m.code, m.display, m.active, ${tier} AS tier,
       count(*) OVER () AS total
     FROM m ORDER BY ${orderBy} LIMIT ${params.add(options.count, '::int')} OFFSET ${params.add(options.offset, '::int')}`,
    params.values,
  );
  // Past the last page there is no row to carry the total.
  const total = rows[0] ? Number(rows[0].total) : options.offset > 0 ? await countRows() : 0;
  const designations = options.includeDesignations ? await readDesignations(ctx, compiler, rows) : undefined;
  return {
    total,
    members: rows.map((row) => ({
      system: row.system,
      version: row.version,
      systemName: row.system_name,
      code: row.code,
      display: row.display,
      active: row.active,
      ...(options.restriction.text ? { matchedOn: matchKindOfTier(row.tier ?? 3) } : {}),
      ...(designations ? { designations: designations.get(`${row.system}|${row.code}`) ?? [] } : {}),
    })),
  };
}
