import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { listIndexedParams } from './definitions.ts';
import { addComposite } from './extract-composite.ts';
import { extractText } from './extract-text-rows.ts';
import {
  addNumber,
  addReference,
  addString,
  addToken,
  emptyIndexRows,
  toRange,
  type IndexRows,
} from './index-values.ts';

/** Evaluates every indexed search parameter of the resource's type and returns the rows to store. */
export function extractIndexRows(resource: Resource): IndexRows {
  const rows = emptyIndexRows();
  const input = [toTypedValue(resource)];
  for (const parameter of listIndexedParams(resource.resourceType)) {
    if (!parameter.expression) {
      continue;
    }
    const values = evalFhirPathTyped(parameter.expression, input);
    for (const item of values) {
      switch (parameter.type) {
        case 'token':
          addToken(rows, parameter.code, item);
          break;
        case 'string':
          addString(rows, parameter.code, item);
          break;
        case 'reference':
          addReference(rows, parameter.code, item);
          break;
        case 'date': {
          const range = toRange(item);
          if (range) {
            rows.date.push({ code: parameter.code, ...range });
          }
          break;
        }
        case 'number':
        case 'quantity':
          addNumber(rows, parameter.code, item);
          break;
        case 'uri':
          if (typeof item.value === 'string') {
            rows.uri.push({ code: parameter.code, value: item.value });
          }
          break;
        case 'composite':
          addComposite(rows, parameter, item, input);
          break;
        case 'special':
          break;
      }
    }
  }
  rows.text = extractText(resource);
  return rows;
}
