import type { Command } from 'commander';
import {
  createKeyring,
  isValidTenantId,
  loadConfig,
  rotateKeys,
  tryReadGeneratedKeks,
  type RotateKeysReport,
  type RotationProgress,
} from '@caregraph/server';
import {
  addDatabaseOptions,
  createProgressReporter,
  formatPlural as plural,
  openConfiguredDatabase,
  type DatabaseOptions,
  type ProgressOptions,
  type ProgressView,
} from '../command-support.ts';

type RotateCommandOptions = DatabaseOptions &
  ProgressOptions & { tenant?: string; newDataKey: boolean; batchSize: string };

/** The one-line summary printed after a rotation. */
export function formatRotateSummary(report: RotateKeysReport, seconds: number): string {
  return (
    `rotated ${plural(report.tenants, 'tenant')}: ${plural(report.newDataKeys, 'new data key')}, ` +
    `${plural(report.rewrappedKeys, 'key')} re-wrapped under KEK ${report.kekId}, ` +
    `${plural(report.resealedRows, 'row')} re-sealed, ${plural(report.retiredKeys, 'old key')} retired in ${seconds.toFixed(1)} s`
  );
}

/** `re-sealing demo resource_history: 1,200 rows`, one line per report when stderr is not a terminal. */
export function formatRotateProgress(progress: RotationProgress): string {
  return `re-sealing ${progress.tenantId} ${progress.table}: ${plural(progress.resealed, 'row')}`;
}

/** A counter per tenant and table on a terminal (how many rows are left is not known up front), else a line per batch. */
function rotateProgressView(): ProgressView<RotationProgress> {
  let stage: string | undefined;
  return {
    barFormat: 're-sealing {tenant} {table}: {value} rows',
    showOnBar(bar, progress) {
      const next = `${progress.tenantId} ${progress.table}`;
      if (next !== stage) {
        if (stage !== undefined) {
          bar.stop();
        }
        stage = next;
        bar.start(progress.resealed, progress.resealed, { tenant: progress.tenantId, table: progress.table });
      } else {
        bar.setTotal(progress.resealed);
        bar.update(progress.resealed);
      }
    },
    lineOf: formatRotateProgress,
  };
}

/**
 * The key-encryption keys the server would use: configured (CAREGRAPH_KEK, CAREGRAPH_KEK_FILE,
 * CAREGRAPH_KEK_PREVIOUS), else the one `npm start` generated into the data directory.
 */
function readKeyEncryptionKeys(options: DatabaseOptions): Buffer[] {
  const config = loadConfig({
    ...process.env,
    ...(options.dataDir ? { CAREGRAPH_DATA_DIR: options.dataDir } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const keks = config.encryption.keks.length > 0 ? [...config.encryption.keks] : tryReadGeneratedKeks(config.dataDir);
  if (!keks) {
    throw new Error('no key-encryption key: set CAREGRAPH_KEK or CAREGRAPH_KEK_FILE (or start the server once)');
  }
  return keks;
}

/** `caregraph keys rotate`: new data key versions, keys re-wrapped under the current KEK, values re-sealed. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('field encryption keys');
  addDatabaseOptions(
    keys
      .command('rotate')
      .description(
        'add a data key version per tenant, re-wrap every key under the current KEK and re-seal stored values; ' +
          'safe while servers run, and resumable by running it again',
      )
      .option('--tenant <id>', 'rotate only this tenant')
      .option('--no-new-data-key', 'only re-wrap keys and finish re-sealing under the newest data key')
      .option('--batch-size <rows>', 'rows re-sealed per transaction', '200'),
  )
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (options: RotateCommandOptions) => {
      if (options.tenant !== undefined && !isValidTenantId(options.tenant)) {
        throw new Error(`invalid tenant id "${options.tenant}": use lower-case letters, digits and dashes`);
      }
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new Error(`--batch-size must be a positive integer, got "${options.batchSize}"`);
      }
      const keyring = createKeyring(readKeyEncryptionKeys(options));
      const db = await openConfiguredDatabase({ ...options, isRaw: true });
      const progress = createProgressReporter(options, rotateProgressView());
      const started = performance.now();
      let report: RotateKeysReport;
      try {
        report = await rotateKeys({
          db,
          keyring,
          batchSize,
          isNewDataKey: options.newDataKey,
          ...(options.tenant !== undefined ? { tenantIds: [options.tenant] } : {}),
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
          : `${formatRotateSummary(report, seconds)}\n`,
      );
    });
}
