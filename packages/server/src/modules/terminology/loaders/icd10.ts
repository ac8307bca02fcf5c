import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput, ReleaseInput } from '../store/index.ts';
import {
  dotIcd10cm,
  groupConcept,
  ICD10CM_URL,
  ICD10PCS_URL,
  linkByPrefix,
  sectionOf,
  type Icd10Group,
} from './icd10-codes.ts';
import { readIcd10cmHierarchy } from './icd10cm-hierarchy.ts';
import { parseTabularXml } from './icd10cm-tabular.ts';
import { badFieldError, emptyFieldError, TerminologyLoadError } from './load-error.ts';
import { readLines } from './read-table.ts';
import { SHIPPED_TERMINOLOGY_DIR } from './shipped-data-dir.ts';
import { baseName, openSource, readText, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

/** One record of a "code descriptions in tabular order" file. */
export type OrderRecord = { code: string; isHeader: boolean; short: string; long: string };

/**
 * Parses a line of `icd10cm_order_20XX.txt` / `icd10pcs_order_20XX.txt`. Fixed width: order
 * number (5), space, code (7, left-aligned), space, flag (1: valid for submission, 0: header),
 * space, short description (60), space, long description (to the end of the line).
 */
export function parseOrderLine(text: string, file: string, line: number): OrderRecord {
  const order = text.slice(0, 5);
  if (!/^\d{5}$/.test(order)) {
    throw badFieldError(file, line, 'order number', order, 'five digits');
  }
  const code = text.slice(6, 13).trim();
  if (code === '') {
    throw emptyFieldError(file, line, 'code');
  }
  if (!/^[A-Z0-9]{3,7}$/.test(code)) {
    throw badFieldError(file, line, 'code', code, '3 to 7 letters and digits');
  }
  const flag = text.charAt(14);
  if (flag !== '0' && flag !== '1') {
    throw badFieldError(file, line, 'header flag', flag, '0 or 1');
  }
  const short = text.slice(16, 76).trim();
  if (short === '') {
    throw emptyFieldError(file, line, 'short description');
  }
  const long = text.slice(77).trim();
  if (long === '') {
    throw emptyFieldError(file, line, 'long description');
  }
  return { code, isHeader: flag === '0', short, long };
}

async function readOrderFile(
  file: SourceFile,
  progress: ProgressReporter,
  toCode: (code: string) => string,
): Promise<ConceptInput[]> {
  const concepts: ConceptInput[] = [];
  for await (const { number, text } of readLines(file, progress.reading(file))) {
    if (text.trim() === '') {
      continue;
    }
    const record = parseOrderLine(text, file.name, number);
    concepts.push({
      code: toCode(record.code),
      display: record.long,
      properties: { billable: !record.isHeader },
      // The short description is the 60-character form claims systems print.
      ...(record.short !== record.long ? { designations: [{ language: 'en', value: record.short }] } : {}),
    });
  }
  return concepts;
}

const isOrderFile = (system: 'cm' | 'pcs') => (file: SourceFile) =>
  new RegExp(`^icd10${system}[_-]?order(?!.*addenda).*\\.txt$`, 'i').test(baseName(file));
const isTabularXml = (file: SourceFile) => /^icd10cm[_-]?tabular(?!.*addenda).*\.xml$/i.test(baseName(file));
const yearIn = (name: string) => /(?:^|\D)(20\d\d)(?!\d)/.exec(name)?.[1];

/** The single file given, when its name says nothing: a `.txt` is taken for the order file, an `.xml` for the tabular list. */
function pick(files: SourceFile[], test: (file: SourceFile) => boolean, extension: string): SourceFile | undefined {
  return (
    files.find(test) ?? (files.length === 1 && files[0]?.name.toLowerCase().endsWith(extension) ? files[0] : undefined)
  );
}

async function writeIcd10(
  tx: Queryable,
  release: ReleaseInput,
  concepts: ConceptInput[],
  progress: ProgressReporter,
  options: LoaderOptions,
  name: string,
): Promise<LoadSummary> {
  const summary = await writeRelease(tx, release, concepts, {
    ...options,
    progress,
    writeStage: { file: name, total: concepts.length },
  });
  return summarize([summary]);
}

/**
 * Loads an ICD-10-CM release: the CDC "code descriptions in tabular order" file
 * (`icd10cm_order_20XX.txt`) and/or the tabular XML (`icd10cm_tabular_20XX.xml`), alone, in a zip,
 * or in a directory. Codes are dotted (`E11.9`); each code's parent is the longest shorter code it
 * starts with, a category's parent is its section and a section's its chapter. Chapters and sections
 * come from the tabular XML when given, else from the shipped chapter and section table.
 * The version is the XML's `<version>`, else the year in the file names.
 */
export async function loadIcd10cm(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const progress = new ProgressReporter(options.onProgress);
    const orderFile = pick(source.files, isOrderFile('cm'), '.txt');
    const xmlFile = pick(source.files, isTabularXml, '.xml');
    if (!orderFile && !xmlFile) {
      throw new TerminologyLoadError(
        { file: path.basename(target) },
        'no icd10cm_order_20XX.txt or icd10cm_tabular_20XX.xml found',
      );
    }
    const tabular = xmlFile
      ? parseTabularXml(await readText(xmlFile, progress.reading(xmlFile)), xmlFile.name)
      : undefined;
    let groups: Icd10Group[];
    let sectionOfCategory: ReadonlyMap<string, string>;
    if (tabular) {
      ({ groups, sectionOfCategory } = tabular);
    } else {
      // Without the XML, chapters and sections come from the shipped table; they change rarely between releases.
      const shipped = await openSource(path.join(SHIPPED_TERMINOLOGY_DIR, 'icd10cm'));
      try {
        ({ groups, sectionOfCategory } = await readIcd10cmHierarchy(shipped.files, shipped.path));
      } finally {
        shipped.close();
      }
    }
    let codes: ConceptInput[];
    if (orderFile) {
      codes = await readOrderFile(orderFile, progress, dotIcd10cm);
      linkByPrefix(codes);
      const sections = groups.filter((group) => group.kind === 'section');
      for (const concept of codes) {
        if (!concept.parents && concept.code.length === 3) {
          const section = sectionOf(concept.code, sections, sectionOfCategory);
          concept.parents = section ? [section] : undefined;
          concept.properties = { ...concept.properties, kind: 'category' };
        }
      }
    } else {
      codes = tabular?.codes ?? [];
    }
    const version = requireVersion(
      options.version,
      tabular?.version ?? yearIn((orderFile ?? xmlFile)?.name ?? '') ?? yearIn(path.basename(target)),
      (orderFile ?? xmlFile)?.name ?? target,
      'no <version> in the XML and no year in the file name',
    );
    const concepts = [...groups.map(groupConcept), ...codes];
    return await writeIcd10(
      tx,
      { url: ICD10CM_URL, version, name: 'ICD10CM', title: 'ICD-10-CM', publisher: 'CDC/NCHS' },
      concepts,
      progress,
      options,
      (orderFile ?? xmlFile)?.name ?? target,
    );
  } finally {
    source.close();
  }
}

/**
 * Loads an ICD-10-PCS release: `icd10pcs_order_20XX.txt` alone, in the CMS zip, or in a
 * directory. Each 7-character code's parent is its 3-character table (the header rows of the
 * file). The version is the year in the file name.
 */
export async function loadIcd10pcs(tx: Queryable, target: string, options: LoaderOptions = {}): Promise<LoadSummary> {
  const source = await openSource(target);
  try {
    const progress = new ProgressReporter(options.onProgress);
    const orderFile = pick(source.files, isOrderFile('pcs'), '.txt');
    if (!orderFile) {
      throw new TerminologyLoadError({ file: path.basename(target) }, 'no icd10pcs_order_20XX.txt found');
    }
    const codes = await readOrderFile(orderFile, progress, (code) => code);
    linkByPrefix(codes);
    const version = requireVersion(
      options.version,
      yearIn(orderFile.name) ?? yearIn(path.basename(target)),
      orderFile.name,
      'no year in the file name',
    );
    return await writeIcd10(
      tx,
      { url: ICD10PCS_URL, version, name: 'ICD10PCS', title: 'ICD-10-PCS', publisher: 'CMS' },
      codes,
      progress,
      options,
      orderFile.name,
    );
  } finally {
    source.close();
  }
}
