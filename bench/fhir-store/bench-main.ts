// The frame every benchmark's run.ts shares: run each database mode, print and save the reports,
// and stop servers and temporary databases on exit, errors and Ctrl-C.
import path from 'node:path';
import { runCleanups } from './cleanups.ts';
import { saveReports, type DatabaseMode, type SavedReport } from './report.ts';
import { killLiveServers } from './server-process.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const resultsDir = path.join(repoRoot, 'bench/results');

/** Writes `[benchmark] message` to stderr, keeping stdout for the report. */
/** The database modes `--mode` names (`embedded`, `postgres` or `both`); empty when it names none. */
export function parseModes(value: string | undefined): DatabaseMode[] {
  if (value === 'both') {
    return ['embedded', 'postgres'];
  }
  return value === 'embedded' || value === 'postgres' ? [value] : [];
}

export function benchLogger(benchmark: string): (message: string) => void {
  return (message) => process.stderr.write(`[${benchmark}] ${message}\n`);
}

/**
 * Runs every mode (a failing mode is logged and the others still run), prints the Markdown report,
 * saves the results and returns the exit code: 1 when a mode failed or any request erred.
 */
export async function runModesAndReport<R extends SavedReport & { errors: number }>(options: {
  benchmark: string;
  modes: DatabaseMode[];
  runMode: (mode: DatabaseMode) => Promise<R>;
  renderMarkdown: (reports: R[]) => string;
}): Promise<number> {
  const log = benchLogger(options.benchmark);
  const started = performance.now();
  const reports: R[] = [];
  let failedModes = 0;
  for (const mode of options.modes) {
    try {
      reports.push(await options.runMode(mode));
    } catch (error) {
      failedModes++;
      log(`${mode} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
  if (reports.length === 0) {
    return 1;
  }
  const markdown = options.renderMarkdown(reports);
  process.stdout.write(`\n${markdown}`);
  const written = saveReports(resultsDir, reports, markdown, options.benchmark);
  log(`wrote ${written.map((file) => path.relative(repoRoot, file)).join(', ')}`);
  log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const errors = reports.reduce((sum, report) => sum + report.errors, 0);
  if (errors > 0) {
    log(`${errors} errors: see the Errors section`);
  }
  return errors > 0 || failedModes > 0 ? 1 : 0;
}

/** Runs a benchmark's `main`, setting the exit code and cleaning up whatever happens. */
export async function runBenchmark(benchmark: string, main: () => Promise<number>): Promise<void> {
  const log = benchLogger(benchmark);
  process.on('exit', killLiveServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  try {
    process.exitCode = await main();
  } catch (error) {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    await runCleanups();
  }
}
