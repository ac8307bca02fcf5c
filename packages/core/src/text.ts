/**
 * Normalises text for the spec's default string search: case-insensitive and accent-insensitive
 * (R4 §3.1.1.4.9), by lower-casing and removing combining marks after Unicode decomposition.
 */
export function normalizeString(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .trim();
}
