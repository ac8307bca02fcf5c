import cliProgress from 'cli-progress';
import { Argument, type Command } from 'commander';
import {
  listReleases,
  loadConfig,
  loadTerminology,
  migrate,
  openDatabase,
  TERMINOLOGY_SYSTEMS,
  type CodeSystemRelease,
  type Database,
  type LoadProgress,
  type LoadSummary,
  type TerminologySystem,
} from '@caregraph/server';

const count = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, word: string) => `${count(value)} ${word}${value === 1 ? '' : 's'}`;

/** The one-line summary printed after a load. */
export function formatLoadSummary(summary: LoadSummary): string {
  const extras = [
    ...(summary.valueSets > 0 ? [plural(summary.valueSets, 'value set')] : []),
    ...(summary.mapElements > 0 ? [plural(summary.mapElements, 'concept map element')] : []),
  ];
  const release = summary.codeSystems[0];
  if (summary.codeSystems.length === 1 && release) {
    const current = release.isCurrent ? 'now current' : 'kept as an older release';
    return [
      `loaded ${release.url}|${release.version}: ${plural(release.concepts, 'concept')} (${count(release.inactive)} inactive), ${current}`,
      ...extras,
    ].join('; ');
  }
  return `loaded ${[
    `${plural(summary.codeSystems.length, 'code system')} (${plural(summary.concepts, 'concept')}, ${count(summary.inactive)} inactive)`,
    ...extras,
  ].join(', ')}`;
}

/** `reading LoincTable/Loinc.csv` or `writing 370,000 concepts`: the line written per stage when stderr is not a terminal. */
export function formatProgressLine(progress: LoadProgress): string {
  return progress.stage === 'read' ? `reading ${progress.file}` : `writing ${count(progress.total)} concepts`;
}

/** The releases as aligned text: url, version, `*` for the current one, concept count. */
export function formatReleases(releases: CodeSystemRelease[]): string {
  if (releases.length === 0) {
    return 'no code systems loaded\n';
  }
  const rows = [
    ['URL', 'VERSION', 'CURRENT', 'CONCEPTS'],
    ...releases.map((release) => [
      release.url,
      release.version,
      release.isCurrent ? '*' : '',
      count(release.conceptCount),
    ]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join('  '))
    .join('\n')
    .concat('\n');
}

type DatabaseOptions = { dataDir?: string; databaseUrl?: string };
type LoadCommandOptions = DatabaseOptions & {
  version?: string;
  codeColumn?: string;
  displayColumn?: string;
  json?: boolean;
  progress: boolean;
};

/** Opens the configured database, or the one `--data-dir`/`--database-url` name, migrated. */
async function openConfiguredDatabase(options: DatabaseOptions): Promise<Database> {
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

/**
 * Shows progress on stderr: a bar on a terminal (bytes while reading a file, concepts while
 * writing), else one line per file and stage. Nothing with `--json` or `--no-progress`.
 */
function createProgressReporter(options: LoadCommandOptions) {
  if (!options.progress || options.json) {
    return { update: (_progress: LoadProgress) => {}, stop: () => {} };
  }
  let last = '';
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{stage} {file} [{bar}] {percentage}% | {concepts} concepts', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress: LoadProgress) {
        const stage = progress.stage === 'read' ? 'reading' : 'writing';
        const payload = {
          stage,
          file: progress.stage === 'read' ? progress.file : '',
          concepts: count(progress.concepts),
        };
        if (!started) {
          bar.start(progress.total, progress.done, payload);
          started = true;
        } else if (`${progress.stage}|${progress.file}` !== last) {
          bar.setTotal(progress.total);
        }
        last = `${progress.stage}|${progress.file}`;
        bar.update(progress.done, payload);
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update(progress: LoadProgress) {
      const line = formatProgressLine(progress);
      if (line !== last) {
        last = line;
        process.stderr.write(`${line}\n`);
      }
    },
    stop: () => {},
  };
}

function addDatabaseOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded database directory (default: CAREGRAPH_DATA_DIR or ./data)')
    .option('--database-url <url>', 'PostgreSQL database (default: DATABASE_URL)');
}

/** `caregraph terminology load|list`: code system releases into the terminology service. */
export function registerTerminologyCommand(program: Command): void {
  // `load --version <v>` names a release; without positional options the program's own
  // `--version` would take it wherever it appears and print the CLI version instead.
  program.enablePositionalOptions();
  const terminology = program
    .command('terminology')
    .description('load code system releases (ICD-10, LOINC, SNOMED CT, RxNorm, CPT, HCPCS, CVX, FHIR) and list them');

  addDatabaseOptions(
    terminology
      .command('load')
      .description('load a release file, zip or directory; loading it again changes nothing')
      .addArgument(new Argument('<system>', 'code system').choices(TERMINOLOGY_SYSTEMS))
      .argument('<path>', 'release file, zip or directory')
      .option('--version <version>', 'release version, when the file names do not say it')
      .option('--code-column <name>', 'cpt: header of the code column')
      .option('--display-column <name>', 'cpt: header of the descriptor column')
      .option('--json', 'print the summary as JSON')
      .option('--no-progress', 'do not show progress'),
  ).action(async (system: TerminologySystem, target: string, options: LoadCommandOptions) => {
    const db = await openConfiguredDatabase(options);
    const progress = createProgressReporter(options);
    let summary: LoadSummary;
    try {
      summary = await loadTerminology(db, {
        system,
        path: target,
        ...(options.version ? { version: options.version } : {}),
        ...(options.codeColumn ? { codeColumn: options.codeColumn } : {}),
        ...(options.displayColumn ? { displayColumn: options.displayColumn } : {}),
        onProgress: (value) => progress.update(value),
      });
    } finally {
      progress.stop();
      await db.close();
    }
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatLoadSummary(summary)}\n`);
  });

  addDatabaseOptions(
    terminology.command('list').description('list loaded code system releases').option('--json', 'print JSON'),
  ).action(async (options: DatabaseOptions & { json?: boolean }) => {
    const db = await openConfiguredDatabase(options);
    let releases: CodeSystemRelease[];
    try {
      releases = await listReleases(db);
    } finally {
      await db.close();
    }
    process.stdout.write(
      options.json
        ? `${JSON.stringify(releases.map(({ url, version, isCurrent, conceptCount }) => ({ url, version, isCurrent, conceptCount })))}\n`
        : formatReleases(releases),
    );
  });
}
