import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';

/** The kinds of file `import` understands. */
export type SourceKind = 'json' | 'ndjson';

/** One file to import. */
export type SourceFile = { path: string; kind: SourceKind; bytes: number };

const KINDS: Array<[RegExp, SourceKind]> = [
  [/\.ndjson(\.gz)?$/i, 'ndjson'],
  [/\.json(\.gz)?$/i, 'json'],
];

/** The kind of a file, from its name; undefined when `import` does not read it. */
export function kindOf(file: string): SourceKind | undefined {
  return KINDS.find(([pattern]) => pattern.test(file))?.[1];
}

/** Problems found while listing: a missing path or a file of an unknown kind. */
export type ListingError = { file: string; message: string };

/**
 * Expands files and directories (recursively) into the FHIR files to import, each once, in the
 * order given (directory contents sorted by name). A file named twice, or reached through a
 * symbolic link, is listed once; a directory cycle through links is not followed.
 */
export async function listSourceFiles(paths: string[]): Promise<{ files: SourceFile[]; errors: ListingError[] }> {
  const files: SourceFile[] = [];
  const errors: ListingError[] = [];
  const seen = new Set<string>();
  async function visit(target: string, explicit: boolean): Promise<void> {
    let info;
    let real;
    try {
      info = await stat(target);
      real = await realpath(target);
    } catch {
      errors.push({ file: target, message: 'no such file or directory' });
      return;
    }
    if (seen.has(real)) {
      return;
    }
    seen.add(real);
    if (info.isDirectory()) {
      const children = (await readdir(target)).sort();
      for (const child of children) {
        await visit(path.join(target, child), false);
      }
      return;
    }
    const kind = kindOf(target);
    if (kind && info.isFile()) {
      files.push({ path: target, kind, bytes: info.size });
    } else if (explicit) {
      errors.push({ file: target, message: 'unsupported file type: expected .json or .ndjson, optionally .gz' });
    }
  }
  for (const target of paths) {
    await visit(path.resolve(target), true);
  }
  return { files, errors };
}

function isGzip(file: SourceFile): boolean {
  return file.path.toLowerCase().endsWith('.gz');
}

/** A file could not be read or gunzipped (as opposed to a database failure while importing it). */
export class SourceReadError extends Error {
  override readonly name = 'SourceReadError';
  constructor(file: SourceFile, cause: unknown) {
    super(`cannot read ${file.kind === 'ndjson' ? 'all of ' : ''}the file: ${(cause as Error).message}`, { cause });
  }
}

/** The whole file as text, gunzipped when it ends in `.gz`. */
export async function readSourceText(file: SourceFile): Promise<string> {
  try {
    const raw = await readFile(file.path);
    return (isGzip(file) ? await promisify(gunzip)(raw) : raw).toString('utf8');
  } catch (error) {
    throw new SourceReadError(file, error);
  }
}

/**
 * The file's lines, streamed (gunzipped when it ends in `.gz`), so an NDJSON export larger than
 * memory, or than the longest string V8 allows, can be imported. A read or gunzip failure ends the
 * iteration with a SourceReadError, after the lines before it.
 */
export async function* readSourceLines(file: SourceFile): AsyncGenerator<string> {
  const input = createReadStream(file.path);
  let stream: Readable = input;
  if (isGzip(file)) {
    const gunzipStream = createGunzip();
    input.on('error', (error) => gunzipStream.destroy(error));
    stream = input.pipe(gunzipStream);
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new SourceReadError(file, error);
      }
      if (next.done) {
        return;
      }
      yield next.value;
    }
  } finally {
    lines.close();
    input.destroy();
    stream.destroy();
  }
}

const PATIENT = /"resourceType"\s*:\s*"Patient"/;

/**
 * Whether a file holds no Patient: shared organisations, practitioners, locations. Such files are
 * imported first, so the conditional references in patient bundles (`Practitioner?identifier=…`)
 * resolve whatever order the files were named in. NDJSON is scanned only up to its first Patient.
 */
export async function isReferenceData(file: SourceFile): Promise<boolean> {
  if (file.kind === 'json') {
    return !PATIENT.test(await readSourceText(file));
  }
  for await (const line of readSourceLines(file)) {
    if (PATIENT.test(line)) {
      return false;
    }
  }
  return true;
}

/** Reference data first, otherwise in the listed order (a stable sort). */
export function orderForImport<T>(files: readonly T[], isReference: (file: T) => boolean): T[] {
  return [...files].sort((a, b) => Number(isReference(b)) - Number(isReference(a)));
}
