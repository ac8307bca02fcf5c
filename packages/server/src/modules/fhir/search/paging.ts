import { badRequest, OutcomeError } from '@caregraph/core/fhir';

/**
 * Where a page starts: the sort-key values (as text) and id of the row before it (`after`) or after
 * it (`before`, for previous links). Keyset paging keeps pages stable while resources are written:
 * a row inserted or deleted elsewhere in the order never shifts the rows of a later page.
 */
export type Cursor = { direction: 'after' | 'before'; keys: Array<string | null>; id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.direction === 'after' ? 'a' : 'b', cursor.id, ...cursor.keys])).toString(
    'base64url',
  );
}

export function decodeCursor(text: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && (parsed[0] === 'a' || parsed[0] === 'b') && typeof parsed[1] === 'string') {
      const keys: unknown[] = parsed.slice(2);
      if (keys.every((key): key is string | null => key === null || typeof key === 'string')) {
        return { direction: parsed[0] === 'a' ? 'after' : 'before', id: parsed[1], keys };
      }
    }
  } catch {
    // Reported below like any other malformed cursor.
  }
  throw new OutcomeError(badRequest(`Invalid _cursor "${text}"`, '_cursor'));
}

/** One ORDER BY key: an SQL expression, its SQL type for comparing with cursor text, and direction. */
export type SortKey = { expression: string; sqlType: string; descending: boolean };

/**
 * The condition selecting rows strictly beyond the cursor in the order `keys, id ASC` (NULLS LAST on
 * every key), reversed for `before`. Expanded lexicographically because keys may mix directions.
 */
export function keysetCondition(
  keys: SortKey[],
  idExpression: string,
  cursor: Cursor,
  addParam: (value: unknown) => string,
): string {
  const backwards = cursor.direction === 'before';
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  keys.forEach((key, index) => {
    const value = cursor.keys[index] ?? null;
    const param = value === null ? undefined : `${addParam(value)}::${key.sqlType}`;
    const ascending = !key.descending;
    // Beyond the cursor on this key: in the key's direction, where NULLs sort last.
    let beyond: string | undefined;
    if (!backwards) {
      beyond = param ? `(${key.expression} ${ascending ? '>' : '<'} ${param} OR ${key.expression} IS NULL)` : undefined;
    } else {
      beyond = param ? `${key.expression} ${ascending ? '<' : '>'} ${param}` : `${key.expression} IS NOT NULL`;
    }
    if (beyond) {
      alternatives.push([...equalSoFar, beyond].join(' AND '));
    }
    equalSoFar.push(param ? `${key.expression} = ${param}` : `${key.expression} IS NULL`);
  });
  alternatives.push([...equalSoFar, `${idExpression} ${backwards ? '<' : '>'} ${addParam(cursor.id)}`].join(' AND '));
  return `(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`;
}
