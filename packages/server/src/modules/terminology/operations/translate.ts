import {
  badRequest,
  OutcomeError,
  type Coding,
  type ConceptMap,
  type Parameters,
  type ParametersParameter,
} from '@caregraph/core/fhir';
import { notFoundAt } from './code-systems.ts';
import { codingOf } from './codings.ts';
import {
  findTenantResourceByUrl,
  readTenantResource,
  searchTenantResources,
  type TerminologyContext,
} from './context.ts';
import type { OperationInput } from './parameters.ts';
import { toParameters } from './parameters.ts';
import { checkInValueSet } from './validate-code.ts';
import { resolveValueSet } from './value-sets.ts';

/** One translation found: how the codes relate, the code on the other side, and the map it came from. */
export type MapMatch = { equivalence: string; concept?: Coding; source: string };

/** What to translate and in which direction. */
type Question = {
  system: string;
  code: string;
  /** Answer the codes that map to this one instead of the codes it maps to. */
  reverse: boolean;
  /** Only translations into this code system. */
  targetSystem?: string;
};

/** Which maps to use: one by url (and version), or every map the tenant and the shared tables hold. */
type MapScope = { url?: string; version?: string };

/** Equivalences that mean the codes do not correspond (R4 ConceptMapEquivalence). */
const NOT_A_MATCH = new Set(['unmatched', 'disjoint']);

type MapRow = {
  map_url: string;
  system: string;
  code: string | null;
  display: string | null;
  equivalence: string;
};

/**
 * Translations from the shared map tables (`term_map`, e.g. SNOMED CT → ICD-10-CM), with the
 * display of the other side's code from its current release when the map row carries none.
 */
async function storedMatches(ctx: TerminologyContext, question: Question, scope: MapScope): Promise<MapMatch[]> {
  const [from, to] = question.reverse ? ['target', 'source'] : ['source', 'target'];
  const params: unknown[] = [question.system, question.code];
  const conditions = [`m.${from}_system = $1`, `m.${from}_code = $2`];
  if (scope.url !== undefined) {
    params.push(scope.url);
    conditions.push(`m.map_url = $${params.length}`);
  }
  if (scope.version !== undefined) {
    params.push(scope.version);
    conditions.push(`m.map_version = $${params.length}`);
  }
  if (question.targetSystem !== undefined) {
    params.push(question.targetSystem);
    conditions.push(`m.${to}_system = $${params.length}`);
  }
  const display = question.reverse ? 'c.display' : 'coalesce(m.target_display, c.display)';
  const { rows } = await ctx.db.query<MapRow>(
    `SELECT m.map_url, m.${to}_system AS system, m.${to}_code AS code, ${display} AS display, m.equivalence
     FROM term_map m
     LEFT JOIN term_system s ON s.url = m.${to}_system AND s.is_current
     LEFT JOIN term_concept c ON c.system_id = s.id AND c.code = m.${to}_code
     WHERE ${conditions.join(' AND ')}
     ORDER BY m.map_url, m.${to}_code`,
    params,
  );
  return rows.map((row) => ({
    equivalence: row.equivalence,
    ...(row.code === null
      ? {}
      : { concept: { system: row.system, code: row.code, ...(row.display ? { display: row.display } : {}) } }),
    source: row.map_url,
  }));
}

/** Translations a ConceptMap resource gives (`group.unmapped` is not applied: only listed elements count). */
export function resourceMatches(map: ConceptMap, question: Question): MapMatch[] {
  const matches: MapMatch[] = [];
  const source = map.url ?? `ConceptMap/${map.id ?? ''}`;
  for (const group of map.group ?? []) {
    const [from, to] = question.reverse ? [group.target, group.source] : [group.source, group.target];
    if (from !== question.system || (question.targetSystem !== undefined && to !== question.targetSystem)) {
      continue;
    }
    for (const element of group.element ?? []) {
      for (const target of element.target ?? []) {
        const [fromCode, toCode, toDisplay] = question.reverse
          ? [target.code, element.code, element.display]
          : [element.code, target.code, target.display];
        if (fromCode !== question.code) {
          continue;
        }
        matches.push({
          equivalence: target.equivalence ?? 'equivalent',
          ...(toCode ? { concept: { system: to, code: toCode, ...(toDisplay ? { display: toDisplay } : {}) } } : {}),
          source,
        });
      }
    }
  }
  return matches;
}

/** The tenant's ConceptMaps that may hold a translation of the code, found through their search index. */
function candidateMaps(ctx: TerminologyContext, question: Question): Promise<ConceptMap[]> {
  const parameter = question.reverse ? 'target-code' : 'source-code';
  return searchTenantResources<ConceptMap>(ctx, 'ConceptMap', [[parameter, question.code]]);
}

async function findMatches(
  ctx: TerminologyContext,
  input: OperationInput,
  question: Question,
  instanceId: string | undefined,
): Promise<MapMatch[]> {
  const inline = input.resource('conceptMap') as ConceptMap | undefined;
  if (instanceId !== undefined || inline) {
    const map = inline ?? (await readTenantResource<ConceptMap>(ctx, 'ConceptMap', instanceId ?? ''));
    return resourceMatches(map, question);
  }
  const url = input.text('url');
  const version = input.text('conceptMapVersion');
  if (url === undefined) {
    const maps = await candidateMaps(ctx, question);
    return [...maps.flatMap((map) => resourceMatches(map, question)), ...(await storedMatches(ctx, question, {}))];
  }
  const map = await findTenantResourceByUrl<ConceptMap>(ctx, 'ConceptMap', url, version);
  if (map) {
    return resourceMatches(map, question);
  }
  const { rows } = await ctx.db.query(
    'SELECT 1 FROM term_map WHERE map_url = $1 AND ($2::text IS NULL OR map_version = $2) LIMIT 1',
    [url, version ?? null],
  );
  if (rows.length === 0) {
    throw new OutcomeError(notFoundAt(`Concept map ${url} is not known to this server`, 'url'));
  }
  return storedMatches(ctx, question, { url, ...(version === undefined ? {} : { version }) });
}

/** Keeps the matches whose concept is in the value set `canonical` (the `target` parameter). */
async function inValueSet(ctx: TerminologyContext, matches: MapMatch[], canonical: string, expression: string) {
  const valueSet = await resolveValueSet(ctx, canonical, { expression });
  const kept: MapMatch[] = [];
  for (const match of matches) {
    const { concept } = match;
    if (concept?.system && concept.code) {
      const check = await checkInValueSet(
        ctx,
        valueSet,
        { ...concept, system: concept.system, code: concept.code },
        undefined,
      );
      if (check.valid) {
        kept.push(match);
      }
    }
  }
  return kept;
}

function matchParameter(match: MapMatch): ParametersParameter {
  return {
    name: 'match',
    part: [
      { name: 'equivalence', valueCode: match.equivalence },
      ...(match.concept ? [{ name: 'concept', valueCoding: match.concept }] : []),
      { name: 'source', valueUri: match.source },
    ],
  };
}

/**
 * `ConceptMap/$translate` and `ConceptMap/{id}/$translate`: the codes a code maps to (or, with
 * `reverse`, the codes that map to it), from the tenant's ConceptMap resources and the shared map
 * tables. `targetsystem` narrows to one code system, `target` to codes of a value set, `source`
 * checks the code is in the value set it was chosen from. No translation is result = false.
 */
export async function translateOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<Parameters> {
  const coding = codingOf(input, { code: 'code', coding: 'coding', system: 'system', version: 'version' });
  const codeableConcept = input.codeableConcept('codeableConcept');
  if ((coding === undefined) === (codeableConcept === undefined)) {
    throw new OutcomeError(badRequest('Give one of code, coding or codeableConcept', 'code'));
  }
  const reverse = input.boolean('reverse') ?? false;
  const targetSystem = input.text('targetsystem');
  const [inputValueSet, outputValueSet] = reverse ? ['target', 'source'] : ['source', 'target'];
  const matches: MapMatch[] = [];
  const messages: string[] = [];
  for (const item of coding ? [coding] : (codeableConcept?.coding ?? [])) {
    if (!item.system || !item.code) {
      throw new OutcomeError(badRequest('system and code are required', coding ? 'system' : 'codeableConcept'));
    }
    const chosenFrom = input.text(inputValueSet);
    if (chosenFrom !== undefined) {
      const valueSet = await resolveValueSet(ctx, chosenFrom, { expression: inputValueSet });
      const check = await checkInValueSet(ctx, valueSet, { ...item, system: item.system, code: item.code }, undefined);
      if (!check.valid) {
        messages.push(check.message ?? `${item.system}#${item.code} is not in ${chosenFrom}`);
        continue;
      }
    }
    const question: Question = {
      system: item.system,
      code: item.code,
      reverse,
      ...(targetSystem === undefined ? {} : { targetSystem }),
    };
    let found = await findMatches(ctx, input, question, instanceId);
    const wantedIn = input.text(outputValueSet);
    if (wantedIn !== undefined) {
      found = await inValueSet(ctx, found, wantedIn, outputValueSet);
    }
    if (found.length === 0) {
      messages.push(`No translation of ${item.system}#${item.code} was found`);
    }
    matches.push(...found);
  }
  const result = matches.some((match) => !NOT_A_MATCH.has(match.equivalence));
  return toParameters([
    { name: 'result', valueBoolean: result },
    ...(messages.length > 0 && !result ? [{ name: 'message', valueString: messages.join('; ') }] : []),
    ...matches.map(matchParameter),
  ]);
}
