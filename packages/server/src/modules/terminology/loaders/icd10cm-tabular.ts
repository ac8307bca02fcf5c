import { XMLParser } from 'fast-xml-parser';
import type { ConceptInput } from '../store/index.ts';
import { dotIcd10cm, groupOf, rangeInTitle, type Icd10Group } from './icd10-codes.ts';
import { TerminologyLoadError } from './load-error.ts';

/** What the ICD-10-CM tabular XML (`icd10cm_tabular_20XX.xml`) gives. */
export type TabularList = {
  version: string | undefined;
  groups: Icd10Group[];
  /** Category → its section. */
  sectionOfCategory: Map<string, string>;
  /** Every `diag` element, plus the codes its 7th characters (`sevenChrDef`) make. */
  codes: ConceptInput[];
};

type Extension = { '@_char': string; '#text'?: string };
type Diag = { name?: string; desc?: string; diag?: Diag[]; sevenChrDef?: Array<{ extension?: Extension[] }> };
type Section = { '@_id'?: string; desc?: string; diag?: Diag[] };
type Chapter = { name?: string; desc?: string; section?: Section[] };
type Tabular = { 'ICD10CM.tabular'?: { version?: string; chapter?: Chapter[] } };

const REPEATED = new Set(['chapter', 'section', 'diag', 'sevenChrDef', 'extension']);

/**
 * Parses the tabular list: chapters and sections become groups; each `diag` is a code whose parent
 * is the enclosing `diag` (or, for a category, the section). A `sevenChrDef` applies to the codes
 * below it: each leaf code, padded with `X` to six characters, takes each 7th character, as the
 * CDC's order file lists them (`S00.00` + `A` → `S00.00XA`, "…, initial encounter").
 */
export function parseTabularXml(text: string, file: string): TabularList {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => REPEATED.has(name),
  });
  let root: NonNullable<Tabular['ICD10CM.tabular']> | undefined;
  try {
    root = (parser.parse(text) as Tabular)['ICD10CM.tabular'];
  } catch (error) {
    throw new TerminologyLoadError({ file }, `not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
  if (!root) {
    throw new TerminologyLoadError({ file }, 'not an ICD-10-CM tabular list: no <ICD10CM.tabular> root element');
  }
  const list: TabularList = {
    version: root.version?.trim() || undefined,
    groups: [],
    sectionOfCategory: new Map(),
    codes: [],
  };
  for (const chapter of root.chapter ?? []) {
    const title = chapter.desc?.trim() ?? '';
    const range = rangeInTitle(title);
    if (!range) {
      throw new TerminologyLoadError(
        { file, field: 'chapter/desc' },
        `chapter ${chapter.name ?? '?'}: <desc> "${title}" does not end with its code range, e.g. (A00-B99)`,
      );
    }
    const chapterGroup = groupOf(range, title, 'chapter');
    list.groups.push(chapterGroup);
    for (const section of chapter.section ?? []) {
      const id = section['@_id'];
      if (!id) {
        throw new TerminologyLoadError({ file, field: 'section/@id' }, `a section of chapter ${range} has no id`);
      }
      const sectionGroup = groupOf(id, section.desc ?? id, 'section', chapterGroup.code);
      list.groups.push(sectionGroup);
      for (const category of section.diag ?? []) {
        addDiag(list, category, sectionGroup.code, [], file);
        if (category.name) {
          list.sectionOfCategory.set(category.name.trim(), sectionGroup.code);
        }
      }
    }
  }
  return list;
}

function addDiag(list: TabularList, diag: Diag, parent: string, inherited: Extension[], file: string): void {
  const code = diag.name?.trim();
  const display = diag.desc?.trim();
  if (!code || !display) {
    throw new TerminologyLoadError(
      { file, field: code ? 'diag/desc' : 'diag/name' },
      `a <diag> under ${parent} has no ${code ? `<desc> (code ${code})` : '<name>'}`,
    );
  }
  const own = (diag.sevenChrDef ?? []).flatMap((definition) => definition.extension ?? []);
  const extensions = own.length > 0 ? own : inherited;
  const children = diag.diag ?? [];
  const isLeaf = children.length === 0;
  list.codes.push({
    code: dotIcd10cm(code),
    display,
    properties: { billable: isLeaf && extensions.length === 0, ...(code.length === 3 ? { kind: 'category' } : {}) },
    parents: [parent],
  });
  for (const child of children) {
    addDiag(list, child, dotIcd10cm(code), extensions, file);
  }
  if (isLeaf) {
    const bare = code.replace('.', '').padEnd(6, 'X');
    for (const extension of extensions) {
      list.codes.push({
        code: dotIcd10cm(`${bare}${extension['@_char']}`),
        display: `${display}, ${extension['#text']?.trim() ?? ''}`,
        properties: { billable: true },
        parents: [dotIcd10cm(code)],
      });
    }
  }
}
