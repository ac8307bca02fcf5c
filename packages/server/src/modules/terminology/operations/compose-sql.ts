import {
  badRequest,
  outcome,
  OutcomeError,
  type ValueSet,
  type ValueSetComposeInclude,
  type ValueSetComposeIncludeFilter,
} from '@caregraph/core/fhir';
import { ancestorsSql, descendantsSql, searchTextOf, type StoredConcept } from '../store/index.ts';
import {
  closureInMemory,
  resolveCodeSystem,
  tryResolveCodeSystem,
  type ConceptSource,
  type ResourceSource,
  type StoredSource,
} from './code-systems.ts';
import type { TerminologyContext } from './context.ts';
import type { SqlParams } from './sql-params.ts';
import { prefixConditionSql, similarMatchSql, type TextQuery } from './text-match.ts';
import { composeOf, resolveValueSet } from './value-sets.ts';

/**
 * Compiles a value set definition (`compose`) into one SQL query over the concept tables, so an
 * expansion is filtered, counted and paged by the database instead of being built in memory.
 *
 * Every include and exclude becomes a SELECT of member rows (the MEMBER_COLUMNS); includes are
 * joined with UNION ALL, excludes removed with NOT EXISTS, imported value sets intersected with
 * EXISTS. A restriction (a text filter, a list of codes, active only) is a predicate on single
 * rows, so it is pushed into every leaf SELECT — (A ∩ P) − (B ∩ P) = (A − B) ∩ P — where the
 * indexes can serve it. Code systems held as CodeSystem resources are filtered in memory and
 * enter the query as arrays.
 */

/** The columns of every member SELECT, in order. */
export const MEMBER_COLUMNS =
  'system, version, system_name, system_id, code, display, active, search_text, include_order, position';

/** A whole code system larger than this is only expanded with a text filter or for a code check. */
export const MAX_WHOLE_SYSTEM = 10_000;

/** How deep value sets may import value sets. */
const MAX_IMPORT_DEPTH = 10;

/** A predicate applied to every member row. */
export type Restriction = {
  text?: { query: TextQuery; mode: 'prefix' | 'similar' };
  /** Only these codes, by system: a membership check. Includes of other systems are skipped unresolved. */
  codes?: ReadonlyMap<string, readonly string[]>;
  /** Only concepts of these code systems (by url). */
  systems?: readonly string[];
  activeOnly?: boolean;
};

export type CompileOptions = {
  restriction: Restriction;
  /** `system-version`: the version of a system to use where the value set names none. */
  systemVersions?: ReadonlyMap<string, string>;
  /** `exclude-system`: systems (or system versions) left out of the expansion. */
  excludedSystems?: ReadonlyArray<{ url: string; version?: string | undefined }>;
  /**
   * Lets an include of a code system this server does not know contribute the concepts it lists
   * (active, with the listed display), or none, instead of failing with a 404: a required binding
   * may list a handful of codes of a system that is not loaded, and a code of a system unloaded
   * since the binding was configured is refused as such rather than failing the whole check.
   */
  listsOfUnknownSystems?: boolean;
};

/** Compiles one value set; keeps the in-memory code systems it used, for their designations. */
export class ComposeCompiler {
  readonly params: SqlParams;
  /** CodeSystem resources used as code systems, by url and version. */
  readonly resourceSources = new Map<string, ResourceSource>();
  /** The release id of every stored code system the SQL reads, by url. */
  readonly storedReleases = new Map<string, number>();
  readonly #ctx: TerminologyContext;
  readonly #options: CompileOptions;
  readonly #importing: string[] = [];

  constructor(ctx: TerminologyContext, params: SqlParams, options: CompileOptions) {
    this.#ctx = ctx;
    this.params = params;
    this.#options = options;
  }

  /** A SELECT of the value set's members (MEMBER_COLUMNS), or undefined when it can have none. */
  async members(valueSet: ValueSet, path = 'ValueSet', inheritedActiveOnly = false): Promise<string | undefined> {
    const compose = composeOf(valueSet);
    const activeOnly = inheritedActiveOnly || compose.inactive === false;
    const includes: string[] = [];
    for (const [index, include] of compose.include.entries()) {
      const sql = await this.#entry(include, `${path}.compose.include[${index}]`, index, activeOnly);
      if (sql !== undefined) {
        includes.push(sql);
      }
    }
    if (includes.length === 0) {
      return undefined;
    }
    const excludes: string[] = [];
    for (const [index, exclude] of (compose.exclude ?? []).entries()) {
      const sql = await this.#entry(exclude, `${path}.compose.exclude[${index}]`, index, activeOnly);
      if (sql !== undefined) {
        excludes.push(sql);
      }
    }
    const included = includes.join(' UNION ALL ');
    if (excludes.length === 0) {
      return included;
    }
    return `SELECT i.* FROM (${included}) i WHERE NOT EXISTS (
      SELECT 1 FROM (${excludes.join(' UNION ALL ')}) e WHERE e.system = i.system AND e.code = i.code)`;
  }

  /** One include or exclude: a system's concepts (listed, filtered or all), intersected with imported value sets. */
  async #entry(
    include: ValueSetComposeInclude,
    path: string,
    order: number,
    activeOnly: boolean,
  ): Promise<string | undefined> {
    if (!include.system && !include.valueSet?.length) {
      throw new OutcomeError(badRequest('An include or exclude needs a system or a valueSet', path));
    }
    if (include.concept?.length && include.filter?.length) {
      throw new OutcomeError(badRequest('An include or exclude has either concepts or filters, not both', path));
    }
    if (!include.system && (include.concept?.length || include.filter?.length)) {
      throw new OutcomeError(badRequest('Concepts and filters need a system', path));
    }
    const imports: string[] = [];
    for (const [index, canonical] of (include.valueSet ?? []).entries()) {
      const sql = await this.#import(canonical, `${path}.valueSet[${index}]`, activeOnly);
      if (sql === undefined) {
        return undefined;
      }
      imports.push(sql);
    }
    const inAllImports = (alias: string) =>
      imports.map(
        (sql) => `EXISTS (SELECT 1 FROM (${sql}) v WHERE v.system = ${alias}.system AND v.code = ${alias}.code)`,
      );
    if (!include.system) {
      const [first, ...rest] = imports;
      const conditions = inAllImports('v0').slice(1);
      const columns = MEMBER_COLUMNS.split(', ').map((column) =>
        column === 'include_order' ? `${order} AS include_order` : `v0.${column}`,
      );
      return `SELECT ${columns.join(', ')} FROM (${first ?? ''}) v0${rest.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
    }
    const leaf = await this.#system(include, path, order, activeOnly);
    if (leaf === undefined || imports.length === 0) {
      return leaf;
    }
    return `SELECT l.* FROM (${leaf}) l WHERE ${inAllImports('l').join(' AND ')}`;
  }

  async #import(canonical: string, path: string, activeOnly: boolean): Promise<string | undefined> {
    if (this.#importing.includes(canonical)) {
      throw new OutcomeError(badRequest(`Value set ${canonical} imports itself`, path));
    }
    if (this.#importing.length >= MAX_IMPORT_DEPTH) {
      throw new OutcomeError(badRequest(`Value sets import each other more than ${MAX_IMPORT_DEPTH} deep`, path));
    }
    const valueSet = await resolveValueSet(this.#ctx, canonical, { expression: path });
    this.#importing.push(canonical);
    try {
      return await this.members(valueSet, path, activeOnly);
    } finally {
      this.#importing.pop();
    }
  }

  /** The concepts of the include's system, or undefined when the restriction or `exclude-system` rules it out. */
  async #system(
    include: ValueSetComposeInclude & { system?: string },
    path: string,
    order: number,
    activeOnly: boolean,
  ): Promise<string | undefined> {
    const url = include.system ?? '';
    const { restriction } = this.#options;
    if (
      (restriction.codes && !restriction.codes.has(url)) ||
      (restriction.systems && !restriction.systems.includes(url))
    ) {
      return undefined;
    }
    const version = include.version ?? this.#options.systemVersions?.get(url);
    const excluded = this.#options.excludedSystems?.some(
      (system) => system.url === url && (system.version === undefined || system.version === version),
    );
    if (excluded) {
      return undefined;
    }
    const source = this.#options.listsOfUnknownSystems
      ? await tryResolveCodeSystem(this.#ctx, url, version)
      : await resolveCodeSystem(this.#ctx, url, version, `${path}.system`);
    if (!source) {
      return this.#unknownSystemList(url, version, include.concept ?? [], order);
    }
    const isWhole = !include.concept?.length && !include.filter?.length && !include.valueSet?.length;
    if (isWhole && !restriction.text && !restriction.codes && conceptCountOf(source) > MAX_WHOLE_SYSTEM) {
      throw new OutcomeError(
        outcome(400, [
          {
            severity: 'error',
            code: 'too-costly',
            details: {
              text: `${source.url} has ${conceptCountOf(source).toLocaleString('en-US')} concepts: expand it with a filter, or include a part of it`,
            },
            expression: [path],
          },
        ]),
      );
    }
    return source.kind === 'stored'
      ? this.#storedSystem(source, include, path, order, activeOnly)
      : this.#resourceSystem(source, include, path, order, activeOnly);
  }

  /** Conditions every leaf shares: the restriction and, when asked, active concepts only. */
  #restrictionConditions(url: string, activeOnly: boolean): string[] {
    const { restriction } = this.#options;
    const conditions: string[] = [];
    const codes = restriction.codes?.get(url);
    if (codes) {
      conditions.push(`c.code = ANY(${this.params.add(codes, '::text[]')})`);
    }
    if (restriction.text) {
      conditions.push(
        restriction.text.mode === 'prefix'
          ? prefixConditionSql(this.params, restriction.text.query)
          : similarMatchSql(this.params, restriction.text.query).condition,
      );
    }
    if (activeOnly || restriction.activeOnly) {
      conditions.push('c.active');
    }
    return conditions;
  }

  #sourceColumns(source: ConceptSource): string {
    const p = this.params;
    return `${p.add(source.url)}::text AS system, ${p.add(source.version ?? null)}::text AS version, ${p.add(source.name)}::text AS system_name`;
  }

  async #storedSystem(
    source: StoredSource,
    include: ValueSetComposeInclude,
    path: string,
    order: number,
    activeOnly: boolean,
  ): Promise<string> {
    const p = this.params;
    this.storedReleases.set(source.url, source.release.id);
    const systemId = p.add(source.release.id, '::int');
    let from = 'term_concept c';
    let display = 'c.display';
    let position = '0::bigint';
    if (include.concept?.length) {
      const codes = p.add(
        include.concept.map((concept) => concept.code),
        '::text[]',
      );
      const displays = p.add(
        include.concept.map((concept) => concept.display ?? null),
        '::text[]',
      );
      from += ` JOIN unnest(${codes}, ${displays}) WITH ORDINALITY AS listed(code, display, position) ON listed.code = c.code`;
      display = 'coalesce(listed.display, c.display)';
      position = 'listed.position';
    }
    const conditions = [`c.system_id = ${systemId}`];
    for (const [index, filter] of (include.filter ?? []).entries()) {
      conditions.push(await this.#storedFilter(source, systemId, checkFilter(filter, `${path}.filter[${index}]`)));
    }
    conditions.push(...this.#restrictionConditions(source.url, activeOnly));
    return `SELECT ${this.#sourceColumns(source)}, c.system_id, c.code, ${display} AS display, c.active,
      c.search_text, ${order} AS include_order, ${position} AS position
      FROM ${from} WHERE ${conditions.join(' AND ')}`;
  }

  async #storedFilter(source: StoredSource, systemId: string, filter: CheckedFilter): Promise<string> {
    const p = this.params;
    const { property, op, value, expression } = filter;
    if (HIERARCHY_OPS.has(op)) {
      await this.#requireCode(source, value, expression);
      const code = p.add(value, '::text');
      if (this.#options.restriction.codes && op !== 'generalizes') {
        // A membership check of a few codes walks up from each (a short path) rather than down
        // from the filter's concept, below which a broad one holds most of its system.
        const isBelow = `${code} IN (${ancestorsSql(systemId, 'c.code')})`;
        switch (op) {
          case 'is-a':
            return isBelow;
          case 'descendent-of':
            return `${isBelow} AND c.code <> ${code}`;
          default:
            return `NOT ${isBelow}`;
        }
      }
      switch (op) {
        case 'is-a':
          return `c.code IN (${descendantsSql(systemId, code)})`;
        case 'descendent-of':
          return `c.code IN (${descendantsSql(systemId, code)}) AND c.code <> ${code}`;
        case 'is-not-a':
          return `c.code NOT IN (${descendantsSql(systemId, code)})`;
        default:
          return `c.code IN (${ancestorsSql(systemId, code)})`;
      }
    }
    if (op === '=') {
      return storedEqualsSql(p, property, value, expression);
    }
    const target = storedPropertySql(p, property);
    switch (op) {
      case 'in':
      case 'not-in': {
        const list = p.add(splitList(value), '::text[]');
        return op === 'in' ? `${target} = ANY(${list})` : `(${target} IS NULL OR ${target} <> ALL(${list}))`;
      }
      case 'regex':
        return `${target} ~ ${p.add(anchoredRegex(value, expression))}`;
      default:
        return `(${target} IS NOT NULL) = ${p.add(parseBooleanValue(value, expression), '::boolean')}`;
    }
  }

  async #requireCode(source: StoredSource, code: string, expression: string): Promise<void> {
    const { rows } = await this.#ctx.db.query('SELECT 1 FROM term_concept WHERE system_id = $1 AND code = $2', [
      source.release.id,
      code,
    ]);
    if (rows.length === 0) {
      throw new OutcomeError(badRequest(`Filter code "${code}" is not in ${source.url}`, expression));
    }
  }

  /** Listed concepts of a system that is not known, taken as the value set lists them (`listsOfUnknownSystems`). */
  #unknownSystemList(
    url: string,
    version: string | undefined,
    listed: NonNullable<ValueSetComposeInclude['concept']>,
    order: number,
  ): string | undefined {
    const p = this.params;
    const codes = this.#options.restriction.codes?.get(url);
    const kept = codes ? listed.filter((concept) => codes.includes(concept.code)) : listed;
    if (kept.length === 0) {
      return undefined;
    }
    const arrays = [
      p.add(
        kept.map((concept) => concept.code),
        '::text[]',
      ),
      p.add(
        kept.map((concept) => concept.display ?? null),
        '::text[]',
      ),
      p.add(
        kept.map((concept) => searchTextOf({ code: concept.code, display: concept.display, designations: [] })),
        '::text[]',
      ),
    ];
    const conditions = this.#restrictionConditions(url, false).filter((condition) => condition !== 'c.active');
    return `SELECT ${p.add(url)}::text AS system, ${p.add(version ?? null)}::text AS version, ${p.add(url)}::text AS system_name,
      NULL::int AS system_id, c.code, c.display, true AS active, c.search_text, ${order} AS include_order, c.position
      FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS c(code, display, search_text, position)
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}`;
  }

  #resourceSystem(
    source: ResourceSource,
    include: ValueSetComposeInclude,
    path: string,
    order: number,
    activeOnly: boolean,
  ): string | undefined {
    this.resourceSources.set(`${source.url}|${source.version ?? ''}`, source);
    let listed: Array<{ concept: StoredConcept; display: string | null }>;
    if (include.concept?.length) {
      listed = include.concept.flatMap((entry) => {
        const concept = source.concepts.get(entry.code);
        return concept ? [{ concept, display: entry.display ?? concept.display }] : [];
      });
    } else {
      const filters = (include.filter ?? []).map((filter, index) => {
        const checked = checkFilter(filter, `${path}.filter[${index}]`);
        return inMemoryFilter(source, checked);
      });
      listed = [...source.concepts.values()]
        .filter((concept) => filters.every((matches) => matches(concept)))
        .map((concept) => ({ concept, display: concept.display }));
    }
    if (listed.length === 0) {
      return undefined;
    }
    const p = this.params;
    const arrays = [
      p.add(
        listed.map((item) => item.concept.code),
        '::text[]',
      ),
      p.add(
        listed.map((item) => item.display),
        '::text[]',
      ),
      p.add(
        listed.map((item) => item.concept.active),
        '::boolean[]',
      ),
      p.add(
        listed.map((item) =>
          searchTextOf({
            code: item.concept.code,
            display: item.display ?? undefined,
            designations: item.concept.designations,
          }),
        ),
        '::text[]',
      ),
    ];
    const conditions = this.#restrictionConditions(source.url, activeOnly);
    return `SELECT ${this.#sourceColumns(source)}, NULL::int AS system_id, c.code, c.display, c.active,
      c.search_text, ${order} AS include_order, c.position
      FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS c(code, display, active, search_text, position)
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}`;
  }
}

function conceptCountOf(source: ConceptSource): number {
  return source.kind === 'stored' ? source.release.conceptCount : source.concepts.size;
}

const HIERARCHY_OPS = new Set(['is-a', 'descendent-of', 'is-not-a', 'generalizes']);
const OPS = new Set([...HIERARCHY_OPS, '=', 'in', 'not-in', 'regex', 'exists']);

/** A filter whose property, op and value are present and make sense together. */
type CheckedFilter = { property: string; op: string; value: string; expression: string };

/** Checks a compose filter; a 400 naming it when it is malformed. */
export function checkFilter(filter: ValueSetComposeIncludeFilter, expression: string): CheckedFilter {
  const { property, op, value } = filter as Partial<ValueSetComposeIncludeFilter>;
  if (!property || !op || value === undefined || value === '') {
    throw new OutcomeError(badRequest('A filter needs a property, an op and a value', expression));
  }
  if (!OPS.has(op)) {
    throw new OutcomeError(badRequest(`Filter op "${op}" is not supported`, `${expression}.op`));
  }
  if (HIERARCHY_OPS.has(op) && property !== 'concept' && property !== 'code') {
    throw new OutcomeError(badRequest(`Filter op "${op}" applies to the concept property only`, expression));
  }
  return { property, op, value, expression };
}

function parseBooleanValue(value: string, expression: string): boolean {
  if (value !== 'true' && value !== 'false') {
    throw new OutcomeError(badRequest(`Filter value "${value}" must be true or false`, `${expression}.value`));
  }
  return value === 'true';
}

/**
 * The regex of a `regex` filter, anchored: the property value must match it as a whole. Checked
 * here, as an invalid pattern would fail the whole query (and an open Bundle transaction).
 */
function anchoredRegex(value: string, expression: string): string {
  try {
    new RegExp(value, 'u');
  } catch {
    throw new OutcomeError(
      badRequest(`Filter value "${value}" is not a valid regular expression`, `${expression}.value`),
    );
  }
  return `^(?:${value})$`;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The SQL text of a property of stored concepts: the code, the display, or a stored property. */
function storedPropertySql(p: SqlParams, property: string): string {
  if (property === 'concept' || property === 'code') {
    return 'c.code';
  }
  return property === 'display' ? 'c.display' : `(c.properties ->> ${p.add(property, '::text')})`;
}

function storedEqualsSql(p: SqlParams, property: string, value: string, expression: string): string {
  switch (property) {
    case 'concept':
    case 'code':
      return `c.code = ${p.add(value, '::text')}`;
    case 'display':
      return `c.display = ${p.add(value, '::text')}`;
    case 'inactive':
      return `c.active = NOT ${p.add(parseBooleanValue(value, expression), '::boolean')}`;
    case 'parent':
      return `EXISTS (SELECT 1 FROM term_parent tp WHERE tp.system_id = c.system_id AND tp.child_code = c.code AND tp.parent_code = ${p.add(value, '::text')})`;
    case 'child':
      return `EXISTS (SELECT 1 FROM term_parent tp WHERE tp.system_id = c.system_id AND tp.parent_code = c.code AND tp.child_code = ${p.add(value, '::text')})`;
    default: {
      // Scalars compare as text (booleans and numbers too); a list matches when it holds the value.
      const name = p.add(property, '::text');
      const text = p.add(value, '::text');
      return `((c.properties ->> ${name}) = ${text} OR (c.properties -> ${name}) @> to_jsonb(${text}))`;
    }
  }
}

/** The values of a property of an in-memory concept, as text. */
function propertyTexts(concept: StoredConcept, property: string): string[] {
  switch (property) {
    case 'concept':
    case 'code':
      return [concept.code];
    case 'display':
      return concept.display === null ? [] : [concept.display];
    case 'inactive':
      return [String(!concept.active)];
    case 'parent':
      return concept.parents;
    case 'child':
      return concept.children;
    default: {
      const value = concept.properties?.[property];
      const values = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
      return values.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item)));
    }
  }
}

/** A compose filter as a predicate on in-memory concepts, with the same meaning as the SQL one. */
function inMemoryFilter(source: ResourceSource, filter: CheckedFilter): (concept: StoredConcept) => boolean {
  const { property, op, value, expression } = filter;
  if (HIERARCHY_OPS.has(op)) {
    if (!source.concepts.has(value)) {
      throw new OutcomeError(badRequest(`Filter code "${value}" is not in ${source.url}`, expression));
    }
    const below = closureInMemory(source, value, 'children');
    switch (op) {
      case 'is-a':
        return (concept) => below.has(concept.code);
      case 'descendent-of':
        return (concept) => below.has(concept.code) && concept.code !== value;
      case 'is-not-a':
        return (concept) => !below.has(concept.code);
      default: {
        const above = closureInMemory(source, value, 'parents');
        return (concept) => above.has(concept.code);
      }
    }
  }
  switch (op) {
    case '=':
      if (property === 'inactive') {
        parseBooleanValue(value, expression);
      }
      return (concept) => propertyTexts(concept, property).includes(value);
    case 'in':
    case 'not-in': {
      const list = new Set(splitList(value));
      const isIn = (concept: StoredConcept) => propertyTexts(concept, property).some((text) => list.has(text));
      return op === 'in' ? isIn : (concept) => !isIn(concept);
    }
    case 'regex': {
      const pattern = new RegExp(anchoredRegex(value, expression), 'u');
      return (concept) => propertyTexts(concept, property).some((text) => pattern.test(text));
    }
    default: {
      const wanted = parseBooleanValue(value, expression);
      return (concept) => propertyTexts(concept, property).length > 0 === wanted;
    }
  }
}
