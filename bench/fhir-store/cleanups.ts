/**
 * Cleanup actions for whatever a benchmark has running (servers, databases, temporary
 * directories), newest first; run on success, error and signals alike.
 */
const cleanups: Array<{ name: string; run: () => Promise<unknown> }> = [];

/** Registers a cleanup; the returned function runs it now (once) and unregisters it. */
export function onCleanup(name: string, run: () => Promise<unknown>): () => Promise<void> {
  const entry = { name, run };
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index >= 0) {
      cleanups.splice(index, 1);
      await run();
    }
  };
}

let draining: Promise<void> = Promise.resolve();

/**
 * Runs every registered cleanup, newest first. Calls made while a drain is under way queue behind
 * it, so a signal arriving mid-cleanup cannot exit before PostgreSQL and the server have stopped.
 */
export function runCleanups(): Promise<void> {
  draining = draining.then(async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop();
      try {
        await entry?.run();
      } catch (error) {
        process.stderr.write(`cleanup "${entry?.name ?? ''}" failed: ${(error as Error).message}\n`);
      }
    }
  });
  return draining;
}
