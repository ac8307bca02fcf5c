import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The kinds of file `import` understands. */
export type SourceKind = 'json' | 'ndjson';

/** One file to import. */
export type SourceFile = { path: string; kind: SourceKind; bytes: number };

const KINDS: Array<[RegExp, SourceKind]> = [
  [/\.ndjson(\.gz)?$/i, 'ndjson'],
  [/\.json(\.gz)?$/i, 'json'],
];

function kindOf(file: string): SourceKind | undefined {
  return KINDS.find(([pattern]) => pattern.test(file))?.[1];
}

/** Problems found while listing: a missing path or a file of an unknown kind. */
export type ListingError = { file: string; message: string };

/** Expands files and directories (recursively) into the FHIR files to import, sorted by path. */
export async function listSourceFiles(paths: string[]): Promise<{ files: SourceFile[]; errors: ListingError[] }> {
  const files: SourceFile[] = [];
  const errors: ListingError[] = [];
  async function visit(target: string, explicit: boolean): Promise<void> {
    let info;
    try {
      info = await stat(target);
    } catch {
      errors.push({ file: target, message: 'no such file or directory' });
      return;
    }
    if (info.isDirectory()) {
      const children = (await readdir(target)).sort();
      for (const child of children) {
        await visit(path.join(target, child), false);
      }
      return;
    }
    const kind = kindOf(target);
    if (kind) {
      files.push({ path: target, kind, bytes: info.size });
    } else if (explicit) {
      errors.push({ file: target, message: 'unsupported file type: expected .json, .ndjson (optionally .gz)' });
    }
  }
  for (const target of paths) {
    await visit(path.resolve(target), true);
  }
  return { files, errors };
}

/** The file's text, gunzipped when it ends in `.gz`. */
export async function readSourceText(file: SourceFile): Promise<string> {
  const raw = await readFile(file.path);
  return (file.path.toLowerCase().endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * Files holding no Patient (shared organisations, practitioners, locations) go first, so the
 * conditional references in patient bundles resolve whatever order the files were named in.
 */
export function isReferenceData(text: string): boolean {
  return !/"resourceType"\s*:\s*"Patient"/.test(text);
}
