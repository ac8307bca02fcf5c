import path from 'node:path';
import type { Queryable } from '../../../platform/db/index.ts';
import type { ConceptInput } from '../store/index.ts';
import { groupConcept, groupOf, ICD10CM_URL, rangeInTitle, type Icd10Group } from './icd10-codes.ts';
import { TerminologyLoadError } from './load-error.ts';
import { Columns, readCsvRows } from './read-table.ts';
import { baseName, openSource, type SourceFile } from './source.ts';
import {
  ProgressReporter,
  requireVersion,
  summarize,
  writeRelease,
  type LoadSummary,
  type LoaderOptions,
} from './write-release.ts';

/** The ICD-10-CM chapters, sections and 3-character categories as shipped (three CSV files). */
export type Icd10cmHierarchy = {
  groups: Icd10Group[];
  /** Category → the code of the section it is listed under. */
  sectionOfCategory: Map<string, string>;
  categories: ConceptInput[];
};

function findFile(files: SourceFile[], pattern: RegExp, folder: string): SourceFile {
  const file = files.find((candidate) => pattern.test(baseName(candidate)));
  if (!file) {
    throw new TerminologyLoadError({ file: folder }, `no file matching ${pattern.source}`);
  }
  return file;
}

async function readRows(file: SourceFile, progress: ProgressReporter) {
  const rows = [];
  for await (const row of readCsvRows(file, progress.reading(file))) {
    rows.push(row);
  }
  const [header, ...data] = rows;
  return { columns: new Columns(file.name, header?.cells ?? []), data };
}

/**
 * Reads `icd10cm-chapters-*.csv` (chapter, description), `icd10cm-sections-*.csv` (section_range,
 * chapter, description) and `icd10cm-categories-*.csv` (ICD10-CM-CODE, description, section,
 * chapter) from a directory.
 */
export async function readIcd10cmHierarchy(
  files: SourceFile[],
  folder: string,
  progress = new ProgressReporter(),
): Promise<Icd10cmHierarchy> {
  const chapters = await readRows(findFile(files, /^icd10cm-chapters.*\.csv$/i, folder), progress);
  const chapterCodes = new Map<string, string>();
  const groups: Icd10Group[] = [];
  for (const row of chapters.data) {
    const title = chapters.columns.required(row, 'description');
    const range = rangeInTitle(title);
    if (!range) {
      throw new TerminologyLoadError(
        { file: chapters.columns.file, line: row.line, field: 'description' },
        `column description "${title}" does not end with its code range, e.g. (A00-B99)`,
      );
    }
    const chapter = groupOf(range, title, 'chapter');
    chapterCodes.set(chapters.columns.required(row, 'chapter'), chapter.code);
    groups.push(chapter);
  }
  const sections = await readRows(findFile(files, /^icd10cm-sections.*\.csv$/i, folder), progress);
  const sectionCodes = new Map<string, string>();
  for (const row of sections.data) {
    const range = sections.columns.required(row, 'section_range');
    const section = groupOf(
      range,
      sections.columns.required(row, 'description'),
      'section',
      chapterCodes.get(sections.columns.required(row, 'chapter')),
    );
    sectionCodes.set(range, section.code);
    groups.push(section);
  }
  const categoryRows = await readRows(findFile(files, /^icd10cm-categories.*\.csv$/i, folder), progress);
  const sectionOfCategory = new Map<string, string>();
  const categories: ConceptInput[] = [];
  for (const row of categoryRows.data) {
    const code = categoryRows.columns.required(row, 'ICD10-CM-CODE');
    const section = sectionCodes.get(categoryRows.columns.required(row, 'section'));
    if (section) {
      sectionOfCategory.set(code, section);
    }
    categories.push({
      code,
      display: categoryRows.columns.required(row, 'description'),
      properties: { kind: 'category' },
      ...(section ? { parents: [section] } : {}),
    });
  }
  return { groups, sectionOfCategory, categories };
}

/**
 * Loads the shipped ICD-10-CM chapters, sections and categories (a `fragment` of the code
 * system: no codes below the categories). The version is the year in the file names (`2026` for
 * `…-April-1-2026.csv`), the fiscal year the CDC names its releases by.
 */
export async function loadIcd10cmHierarchy(
  tx: Queryable,
  folder: string,
  options: LoaderOptions = {},
): Promise<LoadSummary> {
  const source = await openSource(folder);
  try {
    const progress = new ProgressReporter(options.onProgress);
    const hierarchy = await readIcd10cmHierarchy(source.files, folder, progress);
    const version = requireVersion(
      options.version,
      source.files.map((file) => /(20\d\d)\.csv$/.exec(file.name)?.[1]).find(Boolean),
      path.basename(folder),
      'no year in the file names',
    );
    const concepts = [...hierarchy.groups.map(groupConcept), ...hierarchy.categories];
    const release = await writeRelease(
      tx,
      { url: ICD10CM_URL, version, name: 'ICD10CM', title: 'ICD-10-CM', publisher: 'CDC/NCHS', content: 'fragment' },
      concepts,
      { ...options, progress, writeStage: { file: folder, total: concepts.length } },
    );
    return summarize([release]);
  } finally {
    source.close();
  }
}
