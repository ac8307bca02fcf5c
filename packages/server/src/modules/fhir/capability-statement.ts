import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceOperation,
  CapabilityStatementRestResourceSearchParam,
} from '@caregraph/core/fhir';
import { NOT_STORED_TYPES, SUPPORTED_INTERACTIONS, TYPE_OPERATIONS } from './interactions/router.ts';
import { getSearchParams } from './search/definitions.ts';
import { isSearchable } from './search/parse-criterion.ts';
import { listResourceTypes } from './validation/index.ts';

const RESOURCE_PARAM = 'http://hl7.org/fhir/SearchParameter/Resource-';

/** Parameters answered for every type, besides those in the type's definitions. */
const COMMON_PARAMS: CapabilityStatementRestResourceSearchParam[] = [
  { name: '_id', type: 'token', definition: `${RESOURCE_PARAM}id` },
  { name: '_lastUpdated', type: 'date', definition: `${RESOURCE_PARAM}lastUpdated` },
  { name: '_text', type: 'string', documentation: 'Full-text search of the narrative (English stemming)' },
  { name: '_content', type: 'string', documentation: 'Full-text search of every string in the resource' },
  { name: '_list', type: 'token', documentation: 'Resources that are items of the List with this id' },
];

function searchParams(type: string): CapabilityStatementRestResourceSearchParam[] {
  const own = NOT_STORED_TYPES[type];
  if (own) {
    return own;
  }
  const defined = [...getSearchParams(type).values()]
    .filter((parameter) => isSearchable(parameter))
    .map((parameter) => ({
      name: parameter.code,
      type: parameter.type,
      ...(parameter.definition.url ? { definition: parameter.definition.url } : {}),
    }));
  return [...COMMON_PARAMS, ...defined];
}

/** `_include` values: every reference parameter of the type, and `*`. */
function searchIncludes(type: string): string[] {
  if (NOT_STORED_TYPES[type]) {
    return [];
  }
  const references = [...getSearchParams(type).values()].filter(
    (parameter) => parameter.type === 'reference' && isSearchable(parameter),
  );
  return ['*', ...references.map((parameter) => `${type}:${parameter.code}`)];
}

/** `_revinclude` values: every reference parameter of any type that may point at this type. */
function searchRevIncludes(type: string, allTypes: string[]): string[] {
  return allTypes
    .filter((source) => !NOT_STORED_TYPES[source])
    .flatMap((source) =>
      [...getSearchParams(source).values()]
        .filter(
          (parameter) => parameter.type === 'reference' && isSearchable(parameter) && parameter.targets.includes(type),
        )
        .map((parameter) => `${source}:${parameter.code}`),
    );
}

function operations(type: string): CapabilityStatementRestResourceOperation[] {
  return TYPE_OPERATIONS.filter((operation) => operation.types === 'all' || operation.types.includes(type)).map(
    (operation) => ({ name: operation.name, definition: operation.definition }),
  );
}

/**
 * The server's CapabilityStatement, generated from what the router and search engine implement
 * so it cannot drift from the code.
 */
export function buildCapabilityStatement(options: {
  baseUrl: string;
  version: string;
  date: string;
}): CapabilityStatement {
  const types = listResourceTypes();
  const resources: CapabilityStatementRestResource[] = types.map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: SUPPORTED_INTERACTIONS.type.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    conditionalRead: 'not-supported',
    searchInclude: searchIncludes(type),
    searchRevInclude: searchRevIncludes(type, types),
    searchParam: searchParams(type),
    operation: operations(type),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: { name: 'CareGraph', version: options.version },
    implementation: { description: 'CareGraph FHIR R4 server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: {
          description:
            'Every request except /metadata needs "Authorization: Bearer <access token>", an OAuth 2.0 access token of this server (SMART App Launch; see .well-known/smart-configuration).',
        },
        resource: resources,
        interaction: SUPPORTED_INTERACTIONS.system.map((code) => ({ code })),
        searchParam: COMMON_PARAMS,
      },
    ],
  };
}
