import type { Command } from 'commander';
import type { DedupeReport, ModelVersion, ScoreBand } from '@caregraph/core/domain';
import {
  activateModel,
  dedupeTenant,
  isValidTenantId,
  listModelVersions,
  loadConfig,
  trainTenantModel,
  type Database,
  type DedupeProgress,
} from '@caregraph/server';
import {
  addDatabaseOptions,
  createProgressReporter,
  formatCount,
  formatPlural as plural,
  openConfiguredDatabase,
  type DatabaseOptions,
  type ProgressOptions,
  barPerStage,
  type ProgressView,
} from '../command-support.ts';
import type { ExitStatus } from '../exit-status.ts';

/** The server use cases the `mpi` commands call; tests may pass their own. */
export type MpiService = {
  dedupeTenant: typeof dedupeTenant;
  trainTenantModel: typeof trainTenantModel;
  listModelVersions: typeof listModelVersions;
  activateModel: typeof activateModel;
};

const SERVICE: MpiService = { dedupeTenant, trainTenantModel, listModelVersions, activateModel };

/** Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** `0.90–1.00: 1,234 pairs (1,200.5 expected matches)`. */
export function formatBand(band: ScoreBand): string {
  return `${band.min.toFixed(2)}–${band.max.toFixed(2)}: ${plural(band.pairs, 'pair')} (${band.expectedMatches.toFixed(1)} expected matches)`;
}

/** The report printed after a dedupe run: one summary line, then the score bands and the estimates. */
export function formatDedupeReport(report: DedupeReport): string {
  const resumed = report.resumed ? ' (resumed)' : '';
  return [
    `deduplicated ${plural(report.records, 'record')}${resumed} in ${report.seconds.toFixed(1)} s with model version ${report.modelVersion}`,
    `candidate pairs: ${formatCount(report.candidatePairs)}${report.oversizedBlocks > 0 ? ` (${plural(report.oversizedBlocks, 'oversized block')} skipped)` : ''}`,
    `clusters: ${formatCount(report.clusters)} (${formatCount(report.multiRecordClusters)} with more than one record)`,
    `linked pairs: ${formatCount(report.linkedPairs)}, sent to review: ${formatCount(report.reviewPairs)}`,
    'pairs per score band:',
    ...[...report.bands].sort((a, b) => b.min - a.min).map((band) => `  ${formatBand(band)}`),
    `estimated precision ${percent(report.estimatedPrecision)}, recall ${percent(report.estimatedRecall)} (from the model, not from labels)`,
  ].join('\n');
}

/** `scoring: 1,234/5,678`, the progress line written when stderr is not a terminal. */
export function formatDedupeProgressLine(progress: DedupeProgress): string {
  return `${progress.phase}: ${formatCount(progress.done)}/${formatCount(progress.total)}`;
}

/** `version 3 (active) trained 2026-11-23T10:00:00.000Z on 5,000 records, thresholds 0.30/0.90`. */
export function formatModelVersion(model: ModelVersion): string {
  const records = model.records === undefined ? 'built in' : `on ${plural(model.records, 'record')}`;
  return `version ${model.version}${model.active ? ' (active)' : ''} trained ${model.trainedAt} ${records}, thresholds ${model.thresholds.lower.toFixed(2)}/${model.thresholds.upper.toFixed(2)}`;
}

/** A model version as the user typed it: a positive integer, or an error naming what was typed. */
export function parseModelVersion(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new Error(`invalid model version "${text}": use the number \`caregraph mpi models\` lists`);
  }
  return Number(text);
}

/** `--tenant`, else CAREGRAPH_TENANT, else "demo"; refused when it is not a tenant id. */
export function resolveTenant(tenant: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const tenantId = tenant ?? loadConfig(env).defaultTenantId;
  if (!isValidTenantId(tenantId)) {
    throw new Error(`invalid tenant id "${tenantId}": use lower-case letters, digits and dashes`);
  }
  return tenantId;
}

async function assertTenantExists(db: Database, tenantId: string): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM tenant WHERE id = $1', [tenantId]);
  if (rows.length === 0) {
    throw new Error(`no tenant "${tenantId}"`);
  }
}

type MpiCommandOptions = DatabaseOptions & ProgressOptions & { tenant?: string };

/** A positive integer option value, or an error naming the option and what was typed. */
export function parsePositiveInteger(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new Error(`invalid ${option} "${text}": use a positive integer`);
  }
  return Number(text);
}

/** Opens the database for one tenant, runs `work`, and always closes it. */
async function withTenantDatabase<T>(
  options: MpiCommandOptions,
  work: (db: Database, tenantId: string) => Promise<T>,
): Promise<T> {
  const tenantId = resolveTenant(options.tenant);
  const db = await openConfiguredDatabase(options);
  try {
    await assertTenantExists(db, tenantId);
    return await work(db, tenantId);
  } finally {
    await db.close();
  }
}

/** A bar per phase on a terminal, else one line as each phase starts. */
function dedupeProgressView(): ProgressView<DedupeProgress> {
  return barPerStage({
    barFormat: '{phase} [{bar}] {percentage}% | {value}/{total}',
    stageOf: (progress) => progress.phase,
    payloadOf: (progress) => ({ phase: progress.phase }),
    lineOf: formatDedupeProgressLine,
  });
}

/** One step of training: its name and how far it is. */
type TrainProgress = { step: string; done: number; total: number };

/** `training: random-pairs`, the line written as each training step starts when stderr is not a terminal. */
export function formatTrainProgressLine(progress: TrainProgress): string {
  return `training: ${progress.step}`;
}

/** One bar over the training steps on a terminal, else one line per step. */
function trainProgressView(): ProgressView<TrainProgress> {
  let step: string | undefined;
  let isStarted = false;
  return {
    barFormat: 'training {step} [{bar}] {percentage}%',
    showOnBar(bar, progress) {
      if (!isStarted) {
        isStarted = true;
        bar.start(progress.total, progress.done, { step: progress.step });
      }
      bar.setTotal(progress.total);
      bar.update(progress.done, { step: progress.step });
    },
    lineOf(progress) {
      if (progress.step === step) {
        return undefined;
      }
      step = progress.step;
      return formatTrainProgressLine(progress);
    },
  };
}

/**
 * Aborts `controller` on the first Ctrl-C or SIGTERM so the run stops at its next checkpoint (the
 * service has persisted what it finished; a re-run continues from there). A second signal, or a
 * run that does not stop within 10 s, ends the process at once: the persisted progress is the same.
 */
function abortOnSignal(controller: AbortController): () => void {
  let forceExit: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    process.stderr.write(`\n${signal}: stopping; run the command again to continue where it stopped\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
    forceExit = setTimeout(() => process.exit(INTERRUPTED_EXIT_CODE), 10_000);
    forceExit.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    clearTimeout(forceExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function registerDedupe(mpi: Command, status: ExitStatus, service: MpiService): void {
  addDatabaseOptions(
    mpi
      .command('dedupe')
      .description('find and link the duplicate patients of a tenant; resumes an interrupted run')
      .option('--tenant <id>', 'tenant to deduplicate (default: CAREGRAPH_TENANT or "demo")'),
  )
    .option('--batch-size <records>', 'records per committed batch (default 500)', (text) =>
      parsePositiveInteger('--batch-size', text),
    )
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (options: MpiCommandOptions & { batchSize?: number }) => {
      const controller = new AbortController();
      const stopListening = abortOnSignal(controller);
      const progress = createProgressReporter(options, dedupeProgressView());
      let report: DedupeReport;
      try {
        report = await withTenantDatabase(options, (db, tenantId) =>
          service.dedupeTenant(db, {
            tenantId,
            signal: controller.signal,
            ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
            onProgress: (value) => progress.update(value),
          }),
        );
      } catch (error) {
        if (!controller.signal.aborted) {
          throw error;
        }
        // The message went out with the signal; the database is closed and the progress kept.
        status.code = INTERRUPTED_EXIT_CODE;
        return;
      } finally {
        progress.stop();
        stopListening();
      }
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${formatDedupeReport(report)}\n`);
    });
}

function registerModels(mpi: Command, service: MpiService): void {
  addDatabaseOptions(
    mpi
      .command('train')
      .description('train a new match model on the tenant’s patients (no labels needed) and make it active')
      .option('--tenant <id>', 'tenant whose model to train (default: CAREGRAPH_TENANT or "demo")'),
  )
    .option('--json', 'print the new model version as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (options: MpiCommandOptions) => {
      const progress = createProgressReporter(options, trainProgressView());
      let model: ModelVersion;
      try {
        model = await withTenantDatabase(options, (db, tenantId) =>
          service.trainTenantModel(db, {
            tenantId,
            onProgress: (step, done, total) => progress.update({ step, done, total }),
          }),
        );
      } finally {
        progress.stop();
      }
      process.stdout.write(options.json ? `${JSON.stringify(model)}\n` : `trained ${formatModelVersion(model)}\n`);
    });

  addDatabaseOptions(
    mpi
      .command('models')
      .description('list the tenant’s match model versions, newest first')
      .option('--tenant <id>', 'tenant whose models to list (default: CAREGRAPH_TENANT or "demo")'),
  )
    .option('--json', 'print the versions as JSON')
    .action(async (options: MpiCommandOptions) => {
      const models = await withTenantDatabase(options, (db, tenantId) => service.listModelVersions(db, tenantId));
      const newestFirst = [...models].sort((a, b) => b.version - a.version);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(newestFirst)}\n`
          : newestFirst.length === 0
            ? 'no trained models: matching uses the built-in default model\n'
            : `${newestFirst.map(formatModelVersion).join('\n')}\n`,
      );
    });

  addDatabaseOptions(
    mpi
      .command('rollback')
      .description('make an earlier model version active again')
      .argument('<version>', 'the model version, as `caregraph mpi models` lists it')
      .option('--tenant <id>', 'tenant whose model to roll back (default: CAREGRAPH_TENANT or "demo")'),
  )
    .option('--json', 'print the now active version as JSON')
    .action(async (versionText: string, options: MpiCommandOptions) => {
      const version = parseModelVersion(versionText);
      const model = await withTenantDatabase(options, (db, tenantId) =>
        service.activateModel(db, { tenantId, version }),
      );
      process.stdout.write(options.json ? `${JSON.stringify(model)}\n` : `activated ${formatModelVersion(model)}\n`);
    });
}

/**
 * `caregraph mpi dedupe|train|models|rollback`: batch deduplication of a tenant's patients and its
 * match model versions, on the database directly (the server need not run).
 * @param status - where an interrupted dedupe records its exit code (130)
 */
export function registerMpiCommand(program: Command, status: ExitStatus, service: MpiService = SERVICE): void {
  const mpi = program.command('mpi').description('master patient index: deduplication and match models');
  registerDedupe(mpi, status, service);
  registerModels(mpi, service);
}
