import { getTypeGraph } from '../validation/type-graph.ts';

/**
 * The most text one resource contributes to each full-text index. PostgreSQL refuses a tsvector of
 * 1 MiB or more, and a tsvector of short distinct words takes about three times the bytes of its
 * text, so the text is kept well below that.
 */
export const MAX_TEXT_LENGTH = 256 * 1024;

/**
 * XHTML elements that sit inside a line of text (R4 narrative.html#xhtml lists the allowed ones);
 * every other element breaks words apart, so `<td>a</td><td>b</td>` reads "a b" but
 * `<b>Mül</b>ler` reads "Müller".
 */
const INLINE_ELEMENTS = new Set([
  'a',
  'abbr',
  'acronym',
  'b',
  'bdo',
  'big',
  'cite',
  'code',
  'del',
  'dfn',
  'em',
  'i',
  'img',
  'ins',
  'kbd',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'tt',
  'u',
  'var',
]);

/**
 * A narrative is well-formed XML without a DTD, so only XML's predefined entities can appear, plus
 * `&nbsp;`, which authors copy from HTML and parsers of FHIR narratives accept.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

/**
 * Pieces of XHTML: comment, CDATA section (its text in group 1), start or end tag (name in group 2),
 * declaration, text, or a stray `<`. XML allows no `<` inside a tag, so a tag match never scans past
 * the next `<` and the whole pass stays linear even on malformed input.
 */
const XHTML_TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)|<\/?([A-Za-z][\w.:-]*)(?:[^<>"']|"[^<"]*"|'[^<']*')*>|<[!?][^>]*>?|[^<]+|</g;
/** Scripts and styles are not allowed in narratives; if one slipped in, its code is not text. */
const SCRIPT_OR_STYLE = /<(script|style)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;
const ENTITY = /&(#\d+|#[xX][\da-fA-F]+|[A-Za-z][A-Za-z\d]*);/g;

/** FHIR types whose values are words a person would search for; uris, ids, dates and binary data are not. */
const TEXT_TYPES = new Set(['string', 'markdown', 'code']);
/** Metadata is not content, and the narrative is added as plain text rather than as XHTML. */
const SKIPPED_TYPES = new Set(['Meta', 'Narrative']);

/**
 * The plain text of the resource's narrative (`text.div`), for `_text` search: tags removed,
 * entities decoded, whitespace collapsed. Empty when there is no narrative.
 */
export function narrativeText(resource: Record<string, unknown>): string {
  const text = resource.text;
  const div = isRecord(text) ? text.div : undefined;
  return typeof div === 'string' ? truncate(xhtmlToText(div), MAX_TEXT_LENGTH) : '';
}

/**
 * Every string, markdown and code value in the resource (contained and nested resources too),
 * then its narrative, for `_content` search. Left out: ids, metadata, references, uris (systems,
 * urls), dates and binary data, which are not words; and everything past `MAX_TEXT_LENGTH`.
 */
export function contentText(resource: Record<string, unknown>): string {
  const parts: string[] = [];
  const budget = { remaining: MAX_TEXT_LENGTH };
  collectText(resource, 'Resource', parts, budget);
  const narrative = narrativeText(resource);
  if (narrative !== '') {
    parts.push(narrative);
  }
  return truncate(parts.join(' '), MAX_TEXT_LENGTH);
}

/** Converts an XHTML fragment to its text. */
export function xhtmlToText(xhtml: string): string {
  let text = '';
  for (const match of xhtml.replace(SCRIPT_OR_STYLE, ' ').matchAll(XHTML_TOKEN)) {
    const [token, cdata, tagName] = match;
    if (cdata !== undefined) {
      text += cdata;
    } else if (tagName !== undefined) {
      const localName = (tagName.split(':').pop() ?? tagName).toLowerCase();
      text += INLINE_ELEMENTS.has(localName) ? '' : ' ';
    } else if (!token.startsWith('<') || token === '<') {
      text += decodeEntities(token);
    }
  }
  return collapseWhitespace(text);
}

/** Decodes character references: the named entities above and decimal or hexadecimal numeric ones. */
export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (reference: string, name: string) => {
    if (!name.startsWith('#')) {
      return NAMED_ENTITIES[name] ?? reference;
    }
    const isHex = name[1] === 'x' || name[1] === 'X';
    const codePoint = Number.parseInt(name.slice(isHex ? 2 : 1), isHex ? 16 : 10);
    // XML allows neither NUL nor surrogates as characters; such a reference is left as written.
    const isCharacter = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
    return isCharacter ? String.fromCodePoint(codePoint) : reference;
  });
}

/** Walks `value`, an instance of FHIR type `type`, adding its text values to `parts` until the budget is spent. */
function collectText(value: unknown, type: string, parts: string[], budget: { remaining: number }): void {
  if (budget.remaining <= 0) {
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      collectText(item, type, parts, budget);
    }
    return;
  }
  if (!isRecord(value)) {
    return;
  }
  // Nested resources (contained, Bundle.entry.resource) are typed by their own resourceType.
  const objectType = type === 'Resource' ? value.resourceType : type;
  const properties = typeof objectType === 'string' ? getTypeGraph().get(objectType) : undefined;
  if (typeof objectType !== 'string' || !properties) {
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const property = properties.get(key);
    if (!property || SKIPPED_TYPES.has(property.type)) {
      continue;
    }
    if (property.childType !== undefined) {
      collectText(child, property.childType, parts, budget);
    } else if (TEXT_TYPES.has(property.type) && !isIdentifying(objectType, key)) {
      for (const item of [child].flat()) {
        const text = typeof item === 'string' ? collapseWhitespace(item) : '';
        if (text !== '' && budget.remaining > 0) {
          parts.push(text);
          budget.remaining -= text.length + 1;
        }
      }
    }
  }
}

/**
 * Resource and element ids are typed string in the schema registry, and Reference.reference is a
 * string holding a URL: none of them are words.
 */
function isIdentifying(type: string, key: string): boolean {
  return key === 'id' || (type === 'Reference' && key === 'reference');
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to at most `max` characters, at a word boundary when there is one, never inside a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  let end = max;
  const space = text.lastIndexOf(' ', max);
  if (space > 0) {
    end = space;
  } else if (/[\ud800-\udbff]/.test(text.charAt(max - 1))) {
    end = max - 1;
  }
  return text.slice(0, end);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
