import type { Queryable } from '../../../platform/db/index.ts';
import {
  beginRelease,
  findRelease,
  finishRelease,
  writeConcepts,
  type ConceptInput,
  type ReleaseInput,
} from '../store/index.ts';
import { TerminologyLoadError } from './load-error.ts';

/**
 * How far a load has got. While files are read `stage` is `read` and `done`/`total` count bytes of
 * `file`; loaders that must read everything before writing (SNOMED CT, RxNorm, ICD-10) then report
 * `write` with `done`/`total` in concepts. `concepts` is how many have been written so far.
 */
export type LoadProgress = { stage: 'read' | 'write'; file: string; done: number; total: number; concepts: number };

/** Options every loader takes. */
export type LoaderOptions = {
  /** The release's version when the files do not say it (or to override what the file names say). */
  version?: string;
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Whether the release becomes the current one of its code system. By default it does unless a
   * release with a later version is current already (loading an old release keeps it as history);
   * a complete release always replaces a current `fragment` (the shipped subsets). `if-none`: only
   * when the system has no current release (how the shipped data defers to releases users load).
   */
  makeCurrent?: boolean | 'if-none';
  /** Concepts per write; 5,000 unless a test wants several batches from a small file. */
  batchSize?: number;
};

/** One code system release written by a load. */
export type ReleaseSummary = { url: string; version: string; concepts: number; inactive: number; isCurrent: boolean };

/** What a load wrote. `url`/`version` are the (first) code system's; empty when it wrote none. */
export type LoadSummary = {
  url: string;
  version: string;
  /** Concepts in the release, including codes of the previous release carried over as inactive. */
  concepts: number;
  inactive: number;
  valueSets: number;
  mapElements: number;
  codeSystems: ReleaseSummary[];
};

/** A summary of a load that wrote the given code system releases (and nothing else). */
export function summarize(codeSystems: ReleaseSummary[], extra: { valueSets?: number; mapElements?: number } = {}) {
  const first = codeSystems[0];
  return {
    url: first?.url ?? '',
    version: first?.version ?? '',
    concepts: codeSystems.reduce((sum, release) => sum + release.concepts, 0),
    inactive: codeSystems.reduce((sum, release) => sum + release.inactive, 0),
    valueSets: extra.valueSets ?? 0,
    mapElements: extra.mapElements ?? 0,
    codeSystems,
  } satisfies LoadSummary;
}

/**
 * Reports progress to a loader's callback, keeping the running concept count, and at most about
 * ten times a second for byte counts (a callback per 64 KiB chunk would flood a progress bar).
 */
export class ProgressReporter {
  concepts = 0;
  readonly #onProgress: ((progress: LoadProgress) => void) | undefined;
  #lastReport = 0;

  constructor(onProgress?: (progress: LoadProgress) => void) {
    this.#onProgress = onProgress;
  }

  /** A byte counter for reading `file`, for `openText`/`readLines`. */
  reading(file: { name: string; bytes: number }): ((bytesRead: number) => void) | undefined {
    const onProgress = this.#onProgress;
    if (!onProgress) {
      return undefined;
    }
    onProgress({ stage: 'read', file: file.name, done: 0, total: file.bytes, concepts: this.concepts });
    return (bytesRead) => {
      const now = performance.now();
      if (now - this.#lastReport >= 100 || bytesRead >= file.bytes) {
        this.#lastReport = now;
        onProgress({ stage: 'read', file: file.name, done: bytesRead, total: file.bytes, concepts: this.concepts });
      }
    };
  }

  /** Reports concepts written in the write stage of a loader that buffers its release. */
  writing(file: string, done: number, total: number): void {
    this.#onProgress?.({ stage: 'write', file, done, total, concepts: this.concepts });
  }
}

/**
 * Compares release versions in natural order: runs of digits as numbers, the rest as text, so
 * `2.9` < `2.10` < `2.80` and `2025` < `2026`.
 */
export function compareVersions(a: string, b: string): number {
  const partsA = a.match(/\d+|\D+/g) ?? [];
  const partsB = b.match(/\d+|\D+/g) ?? [];
  for (let index = 0; index < Math.min(partsA.length, partsB.length); index += 1) {
    const left = partsA[index] ?? '';
    const right = partsB[index] ?? '';
    const isNumeric = /^\d/.test(left) && /^\d/.test(right);
    // Digit runs can exceed 2^53 (SNOMED CT module ids): compare without leading zeros by length, then text.
    const order = isNumeric ? compareDigits(left, right) : left < right ? -1 : left > right ? 1 : 0;
    if (order !== 0) {
      return order;
    }
  }
  return partsA.length - partsB.length;
}

function compareDigits(left: string, right: string): number {
  const a = left.replace(/^0+(?=\d)/, '');
  const b = right.replace(/^0+(?=\d)/, '');
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function shouldBecomeCurrent(
  options: WriteReleaseOptions,
  input: ReleaseInput,
  current: { version: string; content: string; isSame: boolean } | undefined,
): boolean {
  if (current?.isSame) {
    // Loading the current release again: it stays current.
    return true;
  }
  if (!current) {
    return options.makeCurrent !== false;
  }
  if (options.makeCurrent !== undefined) {
    return options.makeCurrent === true;
  }
  if (current.content === 'fragment' && (input.content ?? 'complete') !== 'fragment') {
    return true;
  }
  const orderKey = options.orderKey ?? ((version: string) => version);
  return compareVersions(orderKey(input.version), orderKey(current.version)) >= 0;
}

export type WriteReleaseOptions = {
  batchSize?: number;
  makeCurrent?: LoaderOptions['makeCurrent'];
  progress: ProgressReporter;
  /** Reports the write stage (done/total concepts) under this name; set by loaders that buffer the release. */
  writeStage?: { file: string; total: number };
  /** Maps a version to the key releases are ordered by (SNOMED CT orders by effective time, not module). */
  orderKey?: (version: string) => string;
};

/**
 * Writes one release in the caller's transaction: registers it, writes its concepts in batches,
 * then makes it current (see `LoaderOptions.makeCurrent`). A code listed twice keeps its first
 * row. Loading the same release again rewrites the same rows.
 */
export async function writeRelease(
  tx: Queryable,
  input: ReleaseInput,
  concepts: Iterable<ConceptInput> | AsyncIterable<ConceptInput>,
  options: WriteReleaseOptions,
): Promise<ReleaseSummary> {
  const { progress } = options;
  const batchSize = options.batchSize ?? 5000;
  const current = await findRelease(tx, input.url);
  const release = await beginRelease(tx, input);
  const seen = new Set<string>();
  let batch: ConceptInput[] = [];
  const flush = async () => {
    await writeConcepts(tx, release.id, batch);
    progress.concepts += batch.length;
    batch = [];
    if (options.writeStage) {
      progress.writing(options.writeStage.file, progress.concepts, options.writeStage.total);
    }
  };
  for await (const concept of concepts) {
    if (seen.has(concept.code)) {
      continue;
    }
    seen.add(concept.code);
    batch.push(concept);
    if (batch.length >= batchSize) {
      await flush();
    }
  }
  await flush();

  const becomesCurrent = shouldBecomeCurrent(
    options,
    input,
    current && { version: current.version, content: current.content, isSame: current.id === release.id },
  );
  if (becomesCurrent) {
    await finishRelease(tx, release);
  } else {
    await tx.query(
      'UPDATE term_system SET concept_count = (SELECT count(*) FROM term_concept WHERE system_id = $1) WHERE id = $1',
      [release.id],
    );
  }
  const { rows } = await tx.query<{ concepts: number; inactive: number }>(
    `SELECT count(*)::int AS concepts, (count(*) FILTER (WHERE NOT active))::int AS inactive
     FROM term_concept WHERE system_id = $1`,
    [release.id],
  );
  return {
    url: input.url,
    version: input.version,
    concepts: rows[0]?.concepts ?? 0,
    inactive: rows[0]?.inactive ?? 0,
    isCurrent: becomesCurrent,
  };
}

/** The version a loader uses: the option when given, else what the files say; an error when neither does. */
export function requireVersion(
  given: string | undefined,
  found: string | undefined,
  file: string,
  hint: string,
): string {
  const version = given?.trim() || found;
  if (!version) {
    throw new TerminologyLoadError({ file }, `cannot tell the release version (${hint}); pass --version`);
  }
  return version;
}
