import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  ensureTenant,
  importFiles,
  isValidTenantId,
  loadConfig,
  type ImportError,
  type ImportProgress,
  type ImportReport,
} from '@caregraph/server';
import { openConfiguredDatabase } from '../command-support.ts';
import type { ExitStatus } from '../exit-status.ts';

/** `file:line`, `file (entry 4)` or `file`, then the message and the FHIRPath of the element. */
export function formatImportError(error: ImportError): string {
  const where =
    error.line !== undefined
      ? `${error.file}:${error.line}`
      : error.entry !== undefined
        ? `${error.file} (entry ${error.entry})`
        : error.file;
  const field = error.expression?.length ? ` [${error.expression.join(', ')}]` : '';
  return `${where}: ${error.message}${field}`;
}

/** The one-line summary printed after an import. */
export function formatImportSummary(report: ImportReport): string {
  const files = `${report.files} file${report.files === 1 ? '' : 's'}`;
  const errors = `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}`;
  return `imported ${report.resources} resources (${report.created} new) from ${files}; ${errors}`;
}

/** `[2/5] path: 340 resources so far`, the progress line written when stderr is not a terminal. */
export function formatProgressLine(progress: ImportProgress): string {
  return `[${progress.filesDone}/${progress.filesTotal}] ${progress.file}: ${progress.resources} resources so far`;
}

type ImportCommandOptions = { tenant?: string; json?: boolean; progress: boolean };

/**
 * Shows progress on stderr: a bar on a terminal, else one line per finished file (logs and CI
 * keep a readable record). Nothing in `--json` mode or with `--no-progress`.
 */
function createProgressReporter(options: ImportCommandOptions) {
  if (!options.progress || options.json) {
    return { update: (_progress: ImportProgress) => {}, stop: () => {} };
  }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'importing [{bar}] {value}/{total} files | {resources} resources', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress: ImportProgress) {
        if (!started) {
          bar.start(progress.filesTotal, 0, { resources: 0 });
          started = true;
        }
        bar.update(progress.filesDone, { resources: progress.resources });
      },
      stop: () => bar.stop(),
    };
  }
  let filesReported = 0;
  return {
    update(progress: ImportProgress) {
      if (progress.filesDone > filesReported) {
        filesReported = progress.filesDone;
        process.stderr.write(`${formatProgressLine(progress)}\n`);
      }
    },
    stop: () => {},
  };
}

/** `caregraph import PATH...`: FHIR Bundles, NDJSON and directories into one tenant, idempotently. */
export function registerImportCommand(program: Command, status: ExitStatus): void {
  program
    .command('import')
    .description('import FHIR Bundles (.json), NDJSON (.ndjson) and directories of them; .gz accepted')
    .argument('<paths...>', 'files or directories')
    .option('--tenant <id>', 'tenant to import into (default: CAREGRAPH_TENANT or "demo")')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (paths: string[], options: ImportCommandOptions) => {
      const config = loadConfig();
      const tenantId = options.tenant ?? config.defaultTenantId;
      if (!isValidTenantId(tenantId)) {
        throw new Error(`invalid tenant id "${tenantId}": use lower-case letters, digits and dashes`);
      }
      const db = await openConfiguredDatabase({});
      const progress = createProgressReporter(options);
      let report: ImportReport;
      try {
        await ensureTenant(db, { id: tenantId, name: tenantId });
        report = await importFiles({
          repo: { db, tenantId, baseUrl: `${config.baseUrl}/fhir/R4`, now: () => new Date() },
          paths,
          onProgress: (value) => progress.update(value),
        });
      } finally {
        progress.stop();
        await db.close();
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        for (const error of report.errors) {
          process.stderr.write(`error: ${formatImportError(error)}\n`);
        }
        process.stdout.write(`${formatImportSummary(report)}\n`);
      }
      status.code = report.errors.length > 0 ? 1 : 0;
    });
}
