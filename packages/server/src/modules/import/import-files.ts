import { OutcomeError, toOutcome, type Bundle, type BundleEntry, type OperationOutcome, type Resource } from '@caregraph/core/fhir';
import { handleFhirRequest, type FhirRepo } from '../fhir/index.ts';
import { isReferenceData, listSourceFiles, readSourceText, type SourceFile } from './read-source.ts';
import { toEntry, toImportBundle } from './to-import-bundle.ts';

/** One thing that failed, located precisely enough to fix it. */
export type ImportError = {
  file: string;
  /** 1-based line, for NDJSON. */
  line?: number;
  /** 0-based Bundle entry index, for bundles. */
  entry?: number;
  message: string;
  /** FHIRPath of the offending element, when known. */
  expression?: string[];
};

/** Progress after each unit of work (a bundle or an NDJSON chunk). */
export type ImportProgress = { file: string; filesDone: number; filesTotal: number; resources: number };

/** What `importFiles` did. */
export type ImportReport = {
  files: number;
  /** Resources written or confirmed unchanged. */
  resources: number;
  created: number;
  errors: ImportError[];
};

export type ImportOptions = {
  repo: FhirRepo;
  paths: string[];
  /** NDJSON lines per batch. */
  chunkSize?: number;
  onProgress?: (progress: ImportProgress) => void;
};

type Tally = { resources: number; created: number; errors: ImportError[] };

function outcomeErrors(file: string, value: OperationOutcome, locate: (message: string) => Partial<ImportError>) {
  return (value.issue ?? [])
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => {
      const message = issue.details?.text ?? issue.diagnostics ?? issue.code;
      return { file, message, ...locate(message), ...(issue.expression ? { expression: issue.expression } : {}) };
    });
}

function entryIndexOf(message: string): Partial<ImportError> {
  const match = /Bundle entry (\d+)/.exec(message);
  return match ? { entry: Number(match[1]) } : {};
}

/** Counts a transaction/batch-response and records failed entries (batch) with their locations. */
function tallyResponse(file: string, response: Bundle, tally: Tally, lineOf?: (entry: number) => number) {
  for (const [index, entry] of (response.entry ?? []).entries()) {
    const status = Number(entry.response?.status.split(' ')[0]);
    if (status < 300) {
      tally.resources++;
      tally.created += status === 201 ? 1 : 0;
    } else if (entry.response?.outcome) {
      const where = lineOf ? { line: lineOf(index) } : { entry: index };
      tally.errors.push(...outcomeErrors(file, entry.response.outcome as OperationOutcome, () => where));
    }
  }
}

async function postBundle(repo: FhirRepo, bundle: Bundle): Promise<Bundle> {
  const response = await handleFhirRequest(repo, { method: 'POST', path: '', query: [], body: bundle });
  return (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Bundle;
}

async function importJson(repo: FhirRepo, file: SourceFile, text: string, tally: Tally) {
  let parsed: Resource;
  try {
    parsed = JSON.parse(text) as Resource;
  } catch (error) {
    tally.errors.push({ file: file.path, message: `malformed JSON: ${(error as Error).message}` });
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.resourceType !== 'string') {
    tally.errors.push({ file: file.path, message: 'not a FHIR resource: resourceType is missing', expression: ['resourceType'] });
    return;
  }
  try {
    tallyResponse(file.path, await postBundle(repo, toImportBundle(parsed)), tally);
  } catch (error) {
    if (!(error instanceof OutcomeError)) {
      throw error;
    }
    tally.errors.push(...outcomeErrors(file.path, toOutcome(error), entryIndexOf));
  }
}

async function importNdjson(repo: FhirRepo, file: SourceFile, text: string, chunkSize: number, tally: Tally) {
  const lines = text.split('\n');
  let chunk: Array<{ line: number; entry: BundleEntry }> = [];
  const flush = async () => {
    if (chunk.length === 0) {
      return;
    }
    const current = chunk;
    chunk = [];
    const bundle: Bundle = { resourceType: 'Bundle', type: 'batch', entry: current.map((item) => item.entry) };
    tallyResponse(file.path, await postBundle(repo, bundle), tally, (index) => current[index]?.line ?? 0);
  };
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === '') {
      continue;
    }
    let resource: Resource;
    try {
      resource = JSON.parse(raw) as Resource;
    } catch (error) {
      tally.errors.push({ file: file.path, line, message: `malformed JSON: ${(error as Error).message}` });
      continue;
    }
    if (typeof resource !== 'object' || resource === null || typeof resource.resourceType !== 'string') {
      tally.errors.push({ file: file.path, line, message: 'not a FHIR resource: resourceType is missing', expression: ['resourceType'] });
      continue;
    }
    chunk.push({ line, entry: toEntry(resource) });
    if (chunk.length >= chunkSize) {
      await flush();
    }
  }
  await flush();
}

/**
 * Imports FHIR Bundles (JSON), NDJSON files and directories of them into one tenant. Idempotent:
 * resources keep their ids, so a re-run (even after a killed run) creates no duplicates. Each
 * transaction Bundle is all-or-nothing; NDJSON lines succeed or fail one by one.
 */
export async function importFiles(options: ImportOptions): Promise<ImportReport> {
  const { repo, chunkSize = 200, onProgress } = options;
  const listing = await listSourceFiles(options.paths);
  const tally: Tally = { resources: 0, created: 0, errors: listing.errors.map((error) => ({ ...error })) };
  // Reference data first. Files are read twice (classify, then import) so memory holds one at a time.
  const referenceData = new Set<SourceFile>();
  for (const file of listing.files) {
    if (isReferenceData(await readSourceText(file))) {
      referenceData.add(file);
    }
  }
  const ordered = [...listing.files].sort((a, b) => Number(referenceData.has(b)) - Number(referenceData.has(a)));
  for (const [index, file] of ordered.entries()) {
    const text = await readSourceText(file);
    if (file.kind === 'ndjson') {
      await importNdjson(repo, file, text, chunkSize, tally);
    } else {
      await importJson(repo, file, text, tally);
    }
    onProgress?.({ file: file.path, filesDone: index + 1, filesTotal: ordered.length, resources: tally.resources });
  }
  return { files: listing.files.length, resources: tally.resources, created: tally.created, errors: tally.errors };
}
