import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh directory under the system temp dir; `remove` deletes it and everything in it. */
export type TempDir = { path: string; remove: () => void };

/** Creates a fresh temporary directory, named after what it is for. */
export function createTempDir(purpose = 'test'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), `caregraph-${purpose}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
