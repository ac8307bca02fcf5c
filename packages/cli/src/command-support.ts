// What the commands that open the database and run for a while share: the database options,
// opening the database they name, progress on stderr and counts in their messages.
import cliProgress, { type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import {
  loadConfig,
  migrate,
  openDatabase,
  withConfiguredEncryption,
  withDataDirKeyEncryptionKey,
  type Database,
} from '@caregraph/server';

/** `1,234`: a count as the commands print it. */
export const formatCount = (value: number) => value.toLocaleString('en-US');

/** `1 patient`, `1,234 patients`. */
export const formatPlural = (value: number, word: string) => `${formatCount(value)} ${word}${value === 1 ? '' : 's'}`;

export type DatabaseOptions = { dataDir?: string; databaseUrl?: string };

/** Adds `--data-dir` and `--database-url`, read by {@link openConfiguredDatabase}. */
export function addDatabaseOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded database directory (default: CAREGRAPH_DATA_DIR or ./data)')
    .option('--database-url <url>', 'PostgreSQL database (default: DATABASE_URL)');
}

/**
 * Opens the configured database, or the one `--data-dir`/`--database-url` name, migrated. Resources
 * pass through field encryption as in the server (with the same configured or data-directory key), so
 * a command never stores a sealed field in clear; `isRaw` gives the database as stored (key rotation).
 */
export async function openConfiguredDatabase(options: DatabaseOptions & { isRaw?: boolean }): Promise<Database> {
  const loaded = loadConfig({
    ...process.env,
    ...(options.dataDir ? { CAREGRAPH_DATA_DIR: options.dataDir } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const config = options.isRaw ? loaded : withDataDirKeyEncryptionKey(loaded);
  const db = await openDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return options.isRaw ? db : withConfiguredEncryption(db, config.encryption);
}

export type ProgressOptions = { json?: boolean; progress: boolean };

/** How one command shows its progress reports; it may keep state between reports. */
export type ProgressView<P> = {
  /** The cli-progress format of the bar drawn on a terminal. */
  barFormat: string;
  /** Moves the bar to a report (starting it on the first). */
  showOnBar: (bar: SingleBar, progress: P) => void;
  /** The line to write for a report when stderr is not a terminal, or undefined for none. */
  lineOf: (progress: P) => string | undefined;
};

/**
 * A bar per stage (a tenant, a phase…) on a terminal, started afresh as each stage starts; else
 * one line as each stage starts.
 */
export function barPerStage<P extends { done: number; total: number }>(options: {
  barFormat: string;
  stageOf: (progress: P) => string;
  /** The bar's format values besides the counts. */
  payloadOf: (progress: P) => Record<string, unknown>;
  lineOf: (progress: P) => string;
}): ProgressView<P> {
  let barStage: string | undefined;
  let lineStage: string | undefined;
  return {
    barFormat: options.barFormat,
    showOnBar(bar, progress) {
      const stage = options.stageOf(progress);
      if (stage !== barStage) {
        if (barStage !== undefined) {
          bar.stop();
        }
        barStage = stage;
        bar.start(progress.total, progress.done, options.payloadOf(progress));
      } else {
        bar.setTotal(progress.total);
        bar.update(progress.done);
      }
    },
    lineOf(progress) {
      const stage = options.stageOf(progress);
      if (stage === lineStage) {
        return undefined;
      }
      lineStage = stage;
      return options.lineOf(progress);
    },
  };
}

export type ProgressReporter<P> = { update: (progress: P) => void; stop: () => void };

/**
 * Shows progress on stderr: a bar on a terminal, else the view's lines. Nothing with `--json` or
 * `--no-progress`, so stdout and stderr stay free for machines.
 */
export function createProgressReporter<P>(options: ProgressOptions, view: ProgressView<P>): ProgressReporter<P> {
  if (!options.progress || options.json) {
    return { update: () => {}, stop: () => {} };
  }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: view.barFormat, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    return { update: (progress) => view.showOnBar(bar, progress), stop: () => bar.stop() };
  }
  return {
    update(progress) {
      const line = view.lineOf(progress);
      if (line !== undefined) {
        process.stderr.write(`${line}\n`);
      }
    },
    stop: () => {},
  };
}
