import { evalFhirPathTyped, type TypedValue } from '@medplum/core';
import type { CompositeComponent, SearchParamDefinition } from './definitions.ts';
import {
  addNumber,
  addReference,
  addString,
  addToken,
  emptyIndexRows,
  toRange,
  type CompositeRow,
  type IndexRows,
} from './index-values.ts';

type ComponentValue = Omit<CompositeRow, 'code' | 'group' | 'component'>;

const EMPTY: ComponentValue = { system: null, value: null, number: null, unit: null, low: null, high: null };

/** The index values of one component, converted the same way as a stand-alone parameter of its type. */
function componentValues(component: CompositeComponent, item: TypedValue, resource: TypedValue[]): ComponentValue[] {
  const rows = emptyIndexRows();
  const values: ComponentValue[] = [];
  for (const value of evalFhirPathTyped(component.expression, [item], { '%resource': resource[0] as TypedValue })) {
    switch (component.type) {
      case 'token':
        addToken(rows, '', value);
        break;
      case 'string':
        addString(rows, '', value);
        break;
      case 'reference':
        addReference(rows, '', value);
        break;
      case 'number':
      case 'quantity':
        addNumber(rows, '', value);
        break;
      case 'date': {
        const range = toRange(value);
        if (range) {
          values.push({ ...EMPTY, ...range });
        }
        break;
      }
      case 'uri':
        if (typeof value.value === 'string') {
          values.push({ ...EMPTY, value: value.value });
        }
        break;
      case 'composite':
      case 'special':
        // Not valid as components of a composite in R4.
        break;
    }
  }
  values.push(
    ...rows.token.filter((row) => row.code === '').map((row) => ({ ...EMPTY, system: row.system, value: row.value })),
    ...rows.string.map((row) => ({ ...EMPTY, value: row.value })),
    ...rows.reference.map((row) => ({
      ...EMPTY,
      value: row.targetType && row.targetId ? `${row.targetType}/${row.targetId}` : row.target,
    })),
    ...rows.number.map((row) => ({ ...EMPTY, number: row.value, system: row.system, unit: row.unit })),
  );
  return values;
}

/**
 * Adds the rows of one composite value (R4 §3.1.1.4.10): each component's values under the same
 * group, so a search matches only when every component holds for the same value. A value with a
 * component that has no values cannot match any search and is not indexed.
 */
export function addComposite(
  rows: IndexRows,
  parameter: SearchParamDefinition,
  item: TypedValue,
  resource: TypedValue[],
): void {
  const components = parameter.components.map((component) => componentValues(component, item, resource));
  if (components.length === 0 || components.some((values) => values.length === 0)) {
    return;
  }
  const group = new Set(rows.composite.filter((row) => row.code === parameter.code).map((row) => row.group)).size;
  components.forEach((values, component) => {
    for (const value of values) {
      rows.composite.push({ code: parameter.code, group, component, ...value });
    }
  });
}
