import { randomUUID } from 'node:crypto';
import {
  badRequest,
  outcome,
  OutcomeError,
  type ValueSet,
  type ValueSetExpansionContains,
  type ValueSetExpansionParameter,
} from '@caregraph/core/fhir';
import type { TerminologyContext } from './context.ts';
import { splitCanonical } from './context.ts';
import { expandValueSet, type ExpansionMember } from './expansion.ts';
import type { OperationInput } from './parameters.ts';
import { parseTextQuery } from './text-match.ts';
import { valueSetFromInput } from './value-sets.ts';

/** The most codes one expansion answers: the largest `count`, and the largest expansion sent unpaged. */
export const MAX_EXPANSION = 10_000;

function contains(member: ExpansionMember): ValueSetExpansionContains {
  return {
    system: member.system,
    ...(member.version === null ? {} : { version: member.version }),
    code: member.code,
    ...(member.display === null ? {} : { display: member.display }),
    ...(member.active ? {} : { inactive: true }),
    ...(member.designations?.length
      ? {
          designation: member.designations.map((designation) => ({
            ...(designation.language ? { language: designation.language } : {}),
            ...(designation.useSystem || designation.useCode
              ? { use: { system: designation.useSystem, code: designation.useCode } }
              : {}),
            value: designation.value,
          })),
        }
      : {}),
  };
}

/** `system-version` values: each must name a version (`url|version`). */
function systemVersionsOf(input: OperationInput): Map<string, string> {
  const versions = new Map<string, string>();
  for (const canonical of input.texts('system-version')) {
    const { url, version } = splitCanonical(canonical);
    if (version === undefined || version === '') {
      throw new OutcomeError(
        badRequest(`system-version "${canonical}" must be written system|version`, 'system-version'),
      );
    }
    versions.set(url, version);
  }
  return versions;
}

function integerIn(input: OperationInput, name: 'offset' | 'count', max: number): number | undefined {
  const value = input.integer(name);
  if (value !== undefined && (value < 0 || value > max)) {
    throw new OutcomeError(badRequest(`${name} must be between 0 and ${max.toLocaleString('en-US')}`, name));
  }
  return value;
}

/** The entries of `fields` that have a value. */
function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The parameters that shaped the expansion, echoed in `expansion.parameter` as R4 recommends. */
function echoedParameters(input: OperationInput): ValueSetExpansionParameter[] {
  const echoed: ValueSetExpansionParameter[] = [];
  const filter = input.text('filter');
  if (filter !== undefined) {
    echoed.push({ name: 'filter', valueString: filter });
  }
  for (const name of ['offset', 'count'] as const) {
    const value = input.integer(name);
    if (value !== undefined) {
      echoed.push({ name, valueInteger: value });
    }
  }
  for (const name of ['activeOnly', 'includeDesignations', 'includeDefinition'] as const) {
    const value = input.boolean(name);
    if (value !== undefined) {
      echoed.push({ name, valueBoolean: value });
    }
  }
  for (const name of ['system-version', 'exclude-system'] as const) {
    echoed.push(...input.texts(name).map((value) => ({ name, valueUri: value })));
  }
  return echoed;
}

/**
 * `ValueSet/$expand` and `ValueSet/{id}/$expand`: a flat expansion, paged by `offset`/`count`,
 * narrowed by a typeahead `filter` (code prefix or word prefixes of displays and synonyms,
 * best matches first). Without `count`, an expansion over MAX_EXPANSION codes is refused as too costly.
 */
export async function expandOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<ValueSet> {
  const valueSet = await valueSetFromInput(ctx, input, instanceId);
  const filter = input.text('filter');
  const query = filter === undefined ? undefined : parseTextQuery(filter);
  const offset = integerIn(input, 'offset', Number.MAX_SAFE_INTEGER) ?? 0;
  const count = integerIn(input, 'count', MAX_EXPANSION);
  const page = await expandValueSet(ctx, valueSet, {
    restriction: {
      ...(query ? { text: { query, mode: 'prefix' as const } } : {}),
      activeOnly: input.boolean('activeOnly') ?? false,
    },
    systemVersions: systemVersionsOf(input),
    excludedSystems: input.texts('exclude-system').map((canonical) => splitCanonical(canonical)),
    offset,
    count: count ?? MAX_EXPANSION,
    includeDesignations: input.boolean('includeDesignations') ?? false,
  });
  if (count === undefined && page.total > MAX_EXPANSION) {
    throw new OutcomeError(
      outcome(400, [
        {
          severity: 'error',
          code: 'too-costly',
          details: {
            text: `The expansion has ${page.total.toLocaleString('en-US')} codes, more than ${MAX_EXPANSION.toLocaleString('en-US')}: page it with count and offset, or narrow it with filter`,
          },
        },
      ]),
    );
  }
  // The value set's identity and description; its stored narrative and any earlier expansion do not apply.
  const { id, url, identifier, version, name, title, status, experimental, date, publisher, description, compose } =
    valueSet;
  return {
    resourceType: 'ValueSet',
    ...definedOnly({ id, url, identifier, version, name, title, experimental, date, publisher, description }),
    status: status ?? 'active',
    ...(input.boolean('includeDefinition') && compose ? { compose } : {}),
    expansion: {
      identifier: `urn:uuid:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      total: page.total,
      offset,
      parameter: echoedParameters(input),
      contains: page.members.map(contains),
    },
  };
}
