import type { CapabilityStatement, CapabilityStatementRestResource } from '@caregraph/core/fhir';
import { SUPPORTED_INTERACTIONS } from './interactions/router.ts';
import { SUPPORTED_MODIFIERS_BY_TYPE } from './search/parse-query.ts';
import { getSearchParams } from './search/definitions.ts';
import { listResourceTypes } from './validation/index.ts';

/**
 * The server's CapabilityStatement, generated from what the router and search engine implement
 * so it cannot drift from the code.
 */
export function buildCapabilityStatement(options: {
  baseUrl: string;
  version: string;
  date: string;
}): CapabilityStatement {
  const resources: CapabilityStatementRestResource[] = listResourceTypes().map((type) => ({
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
    searchParam: [
      { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
      { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
      ...[...getSearchParams(type).values()]
        .filter((parameter) => parameter.expression && parameter.type in SUPPORTED_MODIFIERS_BY_TYPE)
        .map((parameter) => ({
          name: parameter.code,
          type: parameter.type,
          ...(parameter.definition.url ? { definition: parameter.definition.url } : {}),
        })),
    ],
    operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
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
          description: 'Every request except /metadata needs "Authorization: Bearer <API key>".',
        },
        resource: resources,
        interaction: SUPPORTED_INTERACTIONS.system.map((code) => ({ code })),
      },
    ],
  };
}
