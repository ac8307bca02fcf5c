import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

const LOCK_FILE = 'caregraph.lock';
const heldHere = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the embedded data directory for this process. The embedded database is single-process: two
 * processes writing one directory (a server and `caregraph import`) would corrupt it. A lock left
 * by a process that died (killed, crashed) is taken over; a lock naming this process's own pid but
 * not held by it is stale too (containers restart with the same pids).
 * @returns a function that releases the lock
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const holder = readHolder(file);
    const isHeld = holder === process.pid ? heldHere.has(file) : holder !== undefined && isRunning(holder);
    if (isHeld) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by process ${holder}; stop it first, or use DATABASE_URL to share a PostgreSQL database`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}
