import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { TerminologyLoadError } from './load-error.ts';

/** One file of a release: a plain file, a file in a directory, or an entry of a zip. */
export type SourceFile = {
  /** How errors and progress name it: the entry path in a zip, the path below a directory, else the file name. */
  name: string;
  /** Bytes `open` delivers before any gunzip, for progress. */
  bytes: number;
  /** The raw bytes; `.gz` files are not yet gunzipped (see `openText`). */
  open: () => Promise<Readable>;
};

/** What the user pointed a loader at, listed as files. */
export type Source = {
  /** The path as given. */
  path: string;
  files: SourceFile[];
  close: () => void;
};

/**
 * Lists the files of a release given as a zip, a directory (recursively, sorted by path) or a
 * single file. Zip entries are read in place, one at a time, without unpacking the archive.
 */
export async function openSource(target: string): Promise<Source> {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new TerminologyLoadError({ file: target }, 'no such file or directory');
  }
  if (info.isDirectory()) {
    return { path: target, files: await listDirectory(target), close: () => {} };
  }
  if (/\.zip$/i.test(target)) {
    return openZip(target);
  }
  return {
    path: target,
    files: [{ name: path.basename(target), bytes: info.size, open: async () => createReadStream(target) }],
    close: () => {},
  };
}

async function listDirectory(root: string): Promise<SourceFile[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: SourceFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) {
      continue;
    }
    const full = path.join(entry.parentPath, entry.name);
    const { size } = await stat(full);
    files.push({
      name: path.relative(root, full).split(path.sep).join('/'),
      bytes: size,
      open: async () => createReadStream(full),
    });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function openZip(target: string): Promise<Source> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(target, { lazyEntries: true, autoClose: false });
  } catch (error) {
    throw new TerminologyLoadError({ file: path.basename(target) }, `not a readable zip: ${(error as Error).message}`);
  }
  const files: SourceFile[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith('/')) {
        files.push({
          name: entry.fileName,
          bytes: entry.uncompressedSize,
          open: () => zip.openReadStreamPromise(entry),
        });
      }
    }
  } catch (error) {
    zip.close();
    throw new TerminologyLoadError({ file: path.basename(target) }, `not a readable zip: ${(error as Error).message}`);
  }
  return { path: target, files, close: () => zip.close() };
}

/** The base name of a file in a source, without its directories. */
export function baseName(file: SourceFile): string {
  return file.name.slice(file.name.lastIndexOf('/') + 1);
}

/**
 * Opens a file as text: gunzipped when its name ends in `.gz`, with `onBytes` told how many raw
 * bytes have been read so far.
 */
export async function openText(file: SourceFile, onBytes?: (bytesRead: number) => void): Promise<Readable> {
  let stream: Readable = await file.open();
  if (onBytes) {
    // Counted in a pass-through rather than a 'data' listener, which would start the flow before the reader attaches.
    let bytesRead = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytesRead += chunk.length;
        onBytes(bytesRead);
        done(null, chunk);
      },
    });
    stream = forwardErrors(stream, stream.pipe(counter));
  }
  if (/\.gz$/i.test(file.name)) {
    stream = forwardErrors(stream, stream.pipe(createGunzip()));
  }
  return stream.setEncoding('utf8');
}

/** `pipe` does not pass a source's errors on; a failed read must end the reader with that error. */
function forwardErrors(source: Readable, target: Readable): Readable {
  source.on('error', (error) => target.destroy(error));
  return target;
}

/** Reads a whole (small) file as text, gunzipped when its name ends in `.gz`. */
export async function readText(file: SourceFile, onBytes?: (bytesRead: number) => void): Promise<string> {
  const stream = await openText(file, onBytes);
  let text = '';
  for await (const chunk of stream) {
    text += chunk as string;
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
