import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ensureTenant, importFiles, loadConfig, migrate, openDatabase, type ImportError } from '@caregraph/server';

/** `file:line`, `file (entry 4)` or `file`, then the message and the FHIRPath of the element. */
export function formatImportError(error: ImportError): string {
  const where =
    error.line !== undefined ? `${error.file}:${error.line}` : error.entry !== undefined ? `${error.file} (entry ${error.entry})` : error.file;
  const field = error.expression?.length ? ` [${error.expression.join(', ')}]` : '';
  return `${where}: ${error.message}${field}`;
}

/** `caregraph import PATH...`: FHIR Bundles, NDJSON and directories into one tenant, idempotently. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('import FHIR Bundles (.json), NDJSON (.ndjson) and directories of them; .gz accepted')
    .argument('<paths...>', 'files or directories')
    .option('--tenant <id>', 'tenant to import into (default: CAREGRAPH_TENANT or "demo")')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show a progress bar')
    .action(async (paths: string[], options: { tenant?: string; json?: boolean; progress: boolean }) => {
      const config = loadConfig();
      const tenantId = options.tenant ?? config.defaultTenantId;
      const db = await openDatabase(config);
      const bar = options.progress && !options.json && process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} files | {resources} resources', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : undefined;
      try {
        await migrate(db);
        await ensureTenant(db, { id: tenantId, name: tenantId });
        let started = false;
        const report = await importFiles({
          repo: { db, tenantId, baseUrl: `${config.baseUrl}/fhir/R4`, now: () => new Date() },
          paths,
          onProgress: (progress) => {
            if (bar && !started) {
              bar.start(progress.filesTotal, 0, { resources: 0 });
              started = true;
            }
            bar?.update(progress.filesDone, { resources: progress.resources });
            if (!bar && !options.json) {
              process.stderr.write(`[${progress.filesDone}/${progress.filesTotal}] ${progress.file}: ${progress.resources} resources so far\n`);
            }
          },
        });
        bar?.stop();
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          for (const error of report.errors) {
            process.stderr.write(`error: ${formatImportError(error)}\n`);
          }
          process.stdout.write(
            `imported ${report.resources} resources (${report.created} new) from ${report.files} files; ${report.errors.length} errors\n`,
          );
        }
        if (report.errors.length > 0) {
          process.exitCode = 1;
        }
      } finally {
        bar?.stop();
        await db.close();
      }
    });
}
