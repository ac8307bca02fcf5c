import type { Command } from 'commander';
import { isValidTenantId, rebuildJourney, type RebuildProgress, type RebuildReport } from '@caregraph/server';
import {
  addDatabaseOptions,
  createProgressReporter,
  formatPlural as plural,
  openConfiguredDatabase,
  type DatabaseOptions,
  type ProgressOptions,
  barPerStage,
  type ProgressView,
} from '../command-support.ts';

/** The one-line summary printed after a rebuild. */
export function formatRebuildSummary(report: RebuildReport, seconds: number): string {
  return `rebuilt the journeys of ${plural(report.patients, 'patient')}: ${plural(report.nodes, 'node')}, ${plural(report.edges, 'edge')} in ${seconds.toFixed(1)} s`;
}

/** `rebuilding demo: 1,234 resources`, the line written per tenant when stderr is not a terminal. */
export function formatProgressLine(progress: RebuildProgress): string {
  return `rebuilding ${progress.tenantId}: ${plural(progress.total, 'resource')}`;
}

type RebuildCommandOptions = DatabaseOptions & ProgressOptions & { tenant?: string };

/** A bar per tenant on a terminal, else one line as each tenant starts. */
function rebuildProgressView(): ProgressView<RebuildProgress> {
  return barPerStage({
    barFormat: 'rebuilding {tenant} [{bar}] {percentage}% | {value}/{total} resources',
    stageOf: (progress) => progress.tenantId,
    payloadOf: (progress) => ({ tenant: progress.tenantId }),
    lineOf: formatProgressLine,
  });
}

/** `caregraph journey rebuild`: recomputes the patient journey graphs from the stored resources. */
export function registerJourneyCommand(program: Command): void {
  const journey = program.command('journey').description('patient journey graphs');
  addDatabaseOptions(
    journey
      .command('rebuild')
      .description('recompute the journey graphs from the stored resources (every tenant unless --tenant)')
      .option('--tenant <id>', 'rebuild only this tenant'),
  )
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (options: RebuildCommandOptions) => {
      if (options.tenant !== undefined && !isValidTenantId(options.tenant)) {
        throw new Error(`invalid tenant id "${options.tenant}": use lower-case letters, digits and dashes`);
      }
      const db = await openConfiguredDatabase(options);
      const progress = createProgressReporter(options, rebuildProgressView());
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
