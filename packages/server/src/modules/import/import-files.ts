import { OutcomeError, toOutcome, type Bundle, type BundleEntry, type Resource } from '@caregraph/core/fhir';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';
import { analyzeQueriedTables } from './analyze-tables.ts';
import { toImportErrors, type ErrorLocation, type ImportError } from './import-errors.ts';
import {
  isReferenceData,
  listSourceFiles,
  orderForImport,
  readSourceLines,
  readSourceText,
  SourceReadError,
  type SourceFile,
} from './read-source.ts';
import { toEntry, toImportBundle } from './to-import-bundle.ts';

export type { ImportError } from './import-errors.ts';

/** Progress after each unit of work: a whole file, or a chunk of an NDJSON file. */
export type ImportProgress = {
  file: string;
  /** Files finished; the file named is finished when this counts it. */
  filesDone: number;
  filesTotal: number;
  resources: number;
};

/** What `importFiles` did. */
export type ImportReport = {
  files: number;
  /** Resources written or confirmed unchanged. */
  resources: number;
  created: number;
  errors: ImportError[];
  /** Whether planner statistics were refreshed afterwards (many resources were written). */
  analyzed: boolean;
};

export type ImportOptions = {
  repo: FhirRepo;
  paths: string[];
  /** NDJSON lines per batch. */
  chunkSize?: number;
  /** Refresh planner statistics when more resources than this were written (default 500). */
  analyzeAfter?: number;
  onProgress?: (progress: ImportProgress) => void;
};

type Tally = { resources: number; created: number; written: number; errors: ImportError[] };

/**
 * Counts a transaction/batch-response and records failed (batch) entries. A 200 whose version is
 * older than `since` confirmed an unchanged resource; anything newer stored a version.
 */
function tallyResponse(
  file: string,
  response: Bundle,
  since: Date,
  tally: Tally,
  locate: (entry: number) => ErrorLocation,
) {
  for (const [index, entry] of (response.entry ?? []).entries()) {
    const status = Number(entry.response?.status.split(' ')[0]);
    if (status < 300) {
      tally.resources++;
      tally.created += status === 201 ? 1 : 0;
      const lastModified = entry.response?.lastModified;
      if (status === 201 || (lastModified !== undefined && new Date(lastModified) >= since)) {
        tally.written++;
      }
    } else if (entry.response?.outcome) {
      tally.errors.push(...toImportErrors(file, entry.response.outcome, locate(index)));
    }
  }
}

async function postBundle(repo: FhirRepo, bundle: Bundle): Promise<Bundle> {
  const response = await handleFhirRequest(repo, { method: 'POST', path: '', query: [], body: bundle });
  return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Bundle;
}

function isResource(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && typeof (value as Resource).resourceType === 'string';
}

async function importJson(repo: FhirRepo, file: SourceFile, tally: Tally) {
  const text = await readSourceText(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    tally.errors.push({ file: file.path, message: `malformed JSON: ${(error as Error).message}` });
    return;
  }
  if (!isResource(parsed)) {
    tally.errors.push({
      file: file.path,
      message: 'not a FHIR resource: resourceType is missing',
      expression: ['resourceType'],
    });
    return;
  }
  const since = repo.now();
  try {
    const response = await postBundle(repo, toImportBundle(parsed));
    tallyResponse(file.path, response, since, tally, (entry) => ({ kind: 'entry', entry }));
  } catch (error) {
    if (!(error instanceof OutcomeError)) {
      throw error;
    }
    // A transaction failed as a whole: nothing from this file was stored.
    tally.errors.push(...toImportErrors(file.path, toOutcome(error), { kind: 'file' }));
  }
}

type NdjsonItem = { line: number; resourceType: string; entry: BundleEntry };

/** Imports an NDJSON file in batches of `chunkSize` lines; each line succeeds or fails on its own. */
async function importNdjson(repo: FhirRepo, file: SourceFile, chunkSize: number, tally: Tally, onChunk: () => void) {
  let chunk: NdjsonItem[] = [];
  const flush = async () => {
    if (chunk.length === 0) {
      return;
    }
    const items = chunk;
    chunk = [];
    const since = repo.now();
    const response = await postBundle(repo, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: items.map((item) => item.entry),
    });
    tallyResponse(file.path, response, since, tally, (index) => ({
      kind: 'line',
      line: items[index]?.line ?? 0,
      resourceType: items[index]?.resourceType ?? 'Resource',
    }));
    onChunk();
  };
  const firstError = tally.errors.length;
  let line = 0;
  try {
    for await (const raw of readSourceLines(file)) {
      line++;
      const item = parseLine(file, raw, line, tally);
      if (item) {
        chunk.push(item);
      }
      if (chunk.length >= chunkSize) {
        await flush();
      }
    }
  } finally {
    // Lines read before a read failure are imported too.
    await flush();
    // Parse errors are found as lines are read, validation errors as batches are written: report by line.
    const errors = tally.errors.splice(firstError).sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    tally.errors.push(...errors);
  }
}

/** One NDJSON line as a batch entry; blank lines are skipped, bad ones recorded. */
function parseLine(file: SourceFile, raw: string, line: number, tally: Tally): NdjsonItem | undefined {
  if (raw.trim() === '') {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    tally.errors.push({ file: file.path, line, message: `malformed JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (!isResource(parsed)) {
    tally.errors.push({
      file: file.path,
      line,
      message: 'not a FHIR resource: resourceType is missing',
      expression: ['resourceType'],
    });
    return undefined;
  }
  return { line, resourceType: parsed.resourceType, entry: toEntry(parsed) };
}

/** Reads the files once to find the reference data; a file that cannot be read is reported when imported. */
async function findReferenceData(files: SourceFile[]): Promise<Set<SourceFile>> {
  const found = new Set<SourceFile>();
  for (const file of files) {
    if (await isReferenceData(file).catch(() => false)) {
      found.add(file);
    }
  }
  return found;
}

/**
 * Imports FHIR Bundles (JSON), NDJSON files and directories of them into one tenant. Idempotent:
 * resources keep their ids, so a re-run (even after a killed run) creates no duplicates and stores
 * no new versions. Each transaction Bundle is all-or-nothing; NDJSON lines succeed or fail one by
 * one. Problems are collected in the report; only a failure of the database itself throws.
 */
export async function importFiles(options: ImportOptions): Promise<ImportReport> {
  const { repo, chunkSize = 200, analyzeAfter = 500, onProgress } = options;
  const listing = await listSourceFiles(options.paths);
  const tally: Tally = { resources: 0, created: 0, written: 0, errors: listing.errors.map((error) => ({ ...error })) };
  // Files are read twice (classify, then import) so that memory holds one at a time.
  const referenceData = await findReferenceData(listing.files);
  const ordered = orderForImport(listing.files, (file) => referenceData.has(file));
  for (const [index, file] of ordered.entries()) {
    const report = (filesDone: number) =>
      onProgress?.({ file: file.path, filesDone, filesTotal: ordered.length, resources: tally.resources });
    try {
      if (file.kind === 'ndjson') {
        await importNdjson(repo, file, chunkSize, tally, () => report(index));
      } else {
        await importJson(repo, file, tally);
      }
    } catch (error) {
      if (!(error instanceof SourceReadError)) {
        throw error;
      }
      tally.errors.push({ file: file.path, message: error.message });
    }
    report(index + 1);
  }
  const analyzed = tally.written > analyzeAfter;
  if (analyzed) {
    await analyzeQueriedTables(repo.db);
  }
  return {
    files: listing.files.length,
    resources: tally.resources,
    created: tally.created,
    errors: tally.errors,
    analyzed,
  };
}
