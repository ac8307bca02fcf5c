import { Argument, type Command } from 'commander';
import {
  listReleases,
  loadTerminology,
  TERMINOLOGY_SYSTEMS,
  type CodeSystemRelease,
  type LoadProgress,
  type LoadSummary,
  type TerminologySystem,
} from '@caregraph/server';
import {
  addDatabaseOptions,
  createProgressReporter,
  formatCount as count,
  formatPlural as plural,
  openConfiguredDatabase,
  type DatabaseOptions,
  type ProgressOptions,
  type ProgressView,
} from '../command-support.ts';

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

type LoadCommandOptions = DatabaseOptions &
  ProgressOptions & {
    version?: string;
    codeColumn?: string;
    displayColumn?: string;
  };

/** A bar on a terminal (bytes while reading a file, concepts while writing), else one line per file and stage. */
function loadProgressView(): ProgressView<LoadProgress> {
  let isStarted = false;
  let lastStep = '';
  let lastLine = '';
  return {
    barFormat: '{stage} {file} [{bar}] {percentage}% | {concepts} concepts',
    showOnBar(bar, progress) {
      const step = `${progress.stage}|${progress.file}`;
      const payload = {
        stage: progress.stage === 'read' ? 'reading' : 'writing',
        file: progress.stage === 'read' ? progress.file : '',
        concepts: count(progress.concepts),
      };
      if (!isStarted) {
        bar.start(progress.total, progress.done, payload);
        isStarted = true;
      } else if (step !== lastStep) {
        bar.setTotal(progress.total);
      }
      lastStep = step;
      bar.update(progress.done, payload);
    },
    lineOf(progress) {
      const line = formatProgressLine(progress);
      if (line === lastLine) {
        return undefined;
      }
      lastLine = line;
      return line;
    },
  };
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
    const progress = createProgressReporter(options, loadProgressView());
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
