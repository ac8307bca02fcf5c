import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { tryGetSearchParam } from '../../fhir/search/definitions.ts';
import { addReference, emptyIndexRows, toRange, type IndexRows } from '../../fhir/search/index-values.ts';
import { journeyParamCodes } from './derive-node.ts';

/**
 * The index rows a journey contribution reads, and no others: what `extractIndexRows` gives for
 * those parameters, by the same functions, at a fraction of the cost of evaluating every search
 * parameter of the type. For a rebuild, where no write has extracted the rows already.
 */
export function extractJourneyRows(resource: Resource): IndexRows {
  const rows = emptyIndexRows();
  const input = [toTypedValue(resource)];
  for (const code of journeyParamCodes(resource.resourceType)) {
    const parameter = tryGetSearchParam(resource.resourceType, code);
    if (!parameter?.expression) {
      continue;
    }
    for (const item of evalFhirPathTyped(parameter.expression, input)) {
      if (parameter.type === 'reference') {
        addReference(rows, parameter.code, item);
      } else if (parameter.type === 'date') {
        const range = toRange(item);
        if (range) {
          rows.date.push({ code: parameter.code, ...range });
        }
      }
    }
  }
  return rows;
}
