import type { ConceptInput } from '../store/index.ts';

/** FHIR system URLs of the ICD-10 US modifications. */
export const ICD10CM_URL = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICD10PCS_URL = 'http://www.cms.gov/Medicare/Coding/ICD10';

/**
 * A chapter or section of the ICD-10-CM tabular list. They are not codes of the classification, so
 * they are coded by the range of categories they span (`E08-E13`, and `C7A-C7A` for a section of one
 * category, so it cannot clash with the category) and marked `notSelectable`.
 */
export type Icd10Group = {
  code: string;
  display: string;
  kind: 'chapter' | 'section';
  /** The chapter of a section. */
  parent?: string;
  first: string;
  last: string;
};

/** A group from its range (`A00-A09`, or one category `B99`) and title; a trailing `(A00-A09)` is dropped. */
export function groupOf(range: string, title: string, kind: Icd10Group['kind'], parent?: string): Icd10Group {
  const [first = range, last = first] = range.trim().split('-');
  return {
    code: `${first}-${last}`,
    display: title.replace(/\s*\([A-Z0-9.]+(-[A-Z0-9.]+)?\)\s*$/, '').trim(),
    kind,
    ...(parent ? { parent } : {}),
    first,
    last,
  };
}

/** The range in parentheses that ends a chapter title, e.g. `A00-B99` in `Certain infectious… (A00-B99)`. */
export function rangeInTitle(title: string): string | undefined {
  return /\(([A-Z0-9]{3}-[A-Z0-9]{3})\)\s*$/.exec(title)?.[1];
}

/** The concept of a chapter or section. */
export function groupConcept(group: Icd10Group): ConceptInput {
  return {
    code: group.code,
    display: group.display,
    properties: { kind: group.kind, notSelectable: true },
    ...(group.parent ? { parents: [group.parent] } : {}),
  };
}

/**
 * The section of a 3-character category: the one it is listed under when known, else the section
 * whose range holds it. Ranges compare character by character, which holds for the letter-digit
 * categories; categories like `M1A` sort outside their section's range and need the listing.
 */
export function sectionOf(
  category: string,
  sections: readonly Icd10Group[],
  listed: ReadonlyMap<string, string>,
): string | undefined {
  return (
    listed.get(category) ?? sections.find((section) => section.first <= category && category <= section.last)?.code
  );
}

/** `E119` → `E11.9`: ICD-10-CM codes carry a dot after the category in FHIR, as in the tabular list. */
export function dotIcd10cm(code: string): string {
  return code.length > 3 && !code.includes('.') ? `${code.slice(0, 3)}.${code.slice(3)}` : code;
}

/**
 * Gives each code its parent: the longest shorter code of the release it starts with (`E11.9` →
 * `E11`, `S00.00XA` → `S00.00` since `S00.00X` is no code, a 7-character ICD-10-PCS code → its
 * 3-character table). Dots are ignored when comparing. Codes without such a prefix keep the
 * parents they have (a category's section).
 */
export function linkByPrefix(concepts: ConceptInput[]): void {
  const byBareCode = new Map(concepts.map((concept) => [concept.code.replace('.', ''), concept.code]));
  for (const concept of concepts) {
    const bare = concept.code.replace('.', '');
    for (let length = bare.length - 1; length >= 3; length -= 1) {
      const parent = byBareCode.get(bare.slice(0, length));
      if (parent) {
        concept.parents = [parent];
        break;
      }
    }
  }
}
