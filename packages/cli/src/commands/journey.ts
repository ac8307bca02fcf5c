import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  isValidTenantId,
  loadConfig,
  migrate,
  openDatabase,
  rebuildJourney,
  type Database,
  type RebuildProgress,
  type RebuildReport,
} from '@caregraph/server';

const count = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, word: string) => `${count(value)} ${word}${value === 1 ? '' : 's'}`;

/** The one-line summary printed after a rebuild. */
export function formatRebuildSummary(report: RebuildReport, seconds: number): string {
  return `rebuilt the journeys of ${plural(report.patients, 'patient')}: ${plural(report.nodes, 'node')}, ${plural(report.edges, 'edge')} in ${seconds.toFixed(1)} s`;
}

/** `rebuilding demo: 1,234 resources`, the line written per tenant when stderr is not a terminal. */
export function formatProgressLine(progress: RebuildProgress): string {
  return `rebuilding ${progress.tenantId}: ${plural(progress.total, 'resource')}`;
}

type RebuildCommandOptions = {
  tenant?: string;
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
  progress: boolean;
};

/**
 * Shows progress on stderr: a bar per tenant on a terminal, else one line as each tenant starts.
 * Nothing with `--json` or `--no-progress`.
 */
function createProgressReporter(options: RebuildCommandOptions) {
  if (!options.progress || options.json) {
    return { update: (_progress: RebuildProgress) => {}, stop: () => {} };
  }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'rebuilding {tenant} [{bar}] {percentage}% | {value}/{total} resources', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let tenant: string | undefined;
    return {
      update(progress: RebuildProgress) {
        if (progress.tenantId !== tenant) {
          if (tenant !== undefined) {
            bar.stop();
          }
          tenant = progress.tenantId;
          bar.start(progress.total, progress.done, { tenant });
        } else {
          bar.update(progress.done);
        }
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update(progress: RebuildProgress) {
      if (progress.done === 0) {
        process.stderr.write(`${formatProgressLine(progress)}\n`);
      }
    },
    stop: () => {},
  };
}

/** Opens the configured database, or the one `--data-dir`/`--database-url` name, migrated. */
async function openConfiguredDatabase(options: RebuildCommandOptions): Promise<Database> {
  const config = loadConfig({
    ...process.env,
    ...(options.dataDir ? { CAREGRAPH_DATA_DIR: options.dataDir } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const db = await openDatabase(config);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** `caregraph journey rebuild`: recomputes the patient journey graphs from the stored resources. */
export function registerJourneyCommand(program: Command): void {
  const journey = program.command('journey').description('patient journey graphs');
  journey
    .command('rebuild')
    .description('recompute the journey graphs from the stored resources (every tenant unless --tenant)')
    .option('--tenant <id>', 'rebuild only this tenant')
    .option('--data-dir <dir>', 'embedded database directory (default: CAREGRAPH_DATA_DIR or ./data)')
    .option('--database-url <url>', 'PostgreSQL database (default: DATABASE_URL)')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (options: RebuildCommandOptions) => {
      if (options.tenant !== undefined && !isValidTenantId(options.tenant)) {
        throw new Error(`invalid tenant id "${options.tenant}": use lower-case letters, digits and dashes`);
      }
      const db = await openConfiguredDatabase(options);
      const progress = createProgressReporter(options);
      const started = performance.now();
      let report: RebuildReport;
      try {
        report = await rebuildJourney({
          db,
          ...(options.tenant !== undefined ? { tenantId: options.tenant } : {}),
          onProgress: (value) => progress.update(value),
        });
      } finally {
        progress.stop();
        await db.close();
      }
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ...report, seconds: Number(seconds.toFixed(3)) })}\n`
          : `${formatRebuildSummary(report, seconds)}\n`,
      );
    });
}
