/** The values an audit entry is made of: no floating-point numbers, no undefined, no functions. */
export type CanonicalValue = string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/**
 * Deterministic JSON text of `value`: object keys sorted by UTF-16 code units, no whitespace,
 * strings escaped as `JSON.stringify` escapes them. For the values an audit entry holds (strings,
 * safe integers, booleans, null, arrays, objects) this is the RFC 8785 (JCS) serialisation, so an
 * offline verifier in any language can recompute the exact bytes that were hashed.
 * @throws TypeError for a value JCS would serialise differently or not at all (non-integers, undefined)
 */
export function canonicalJson(value: CanonicalValue): string {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`canonical JSON holds safe integers only, got ${value}`);
    }
    return String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value !== 'object') {
    throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) {
      throw new TypeError(`canonical JSON cannot hold undefined (at "${key}")`);
    }
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}
