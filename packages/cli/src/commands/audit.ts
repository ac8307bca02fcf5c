import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  exportLog,
  findOrphanEntry,
  integrateAll,
  loadConfig,
  loadSigningKey,
  proveConsistency,
  proveInclusion,
  readLogFromDatabase,
  readLogFromExport,
  treeHeadJson,
  verifyConsistency,
  verifyInclusion,
  verifyLog,
  type Database,
  type VerifyReport,
} from '@caregraph/server';
import type { ExitStatus } from '../exit-status.ts';
import {
  addDatabaseOptions,
  createProgressReporter,
  formatCount,
  formatPlural as plural,
  openConfiguredDatabase,
  type DatabaseOptions,
  type ProgressOptions,
  type ProgressView,
} from '../command-support.ts';

type Progress = { done: number; total: number };

/** `1 entry`, `1,234 entries`. */
const entries = (count: number) => `${formatCount(count)} ${count === 1 ? 'entry' : 'entries'}`;

function progressView(verb: string): ProgressView<Progress> {
  let started = false;
  return {
    barFormat: `${verb} [{bar}] {percentage}% | {value}/{total} entries`,
    showOnBar(bar, progress) {
      if (!started) {
        started = true;
        bar.start(progress.total, progress.done);
      } else {
        bar.update(progress.done);
      }
    },
    lineOf: (progress) =>
      progress.done === 0 || progress.done === progress.total
        ? `${verb}: ${formatCount(progress.done)} of ${formatCount(progress.total)} entries`
        : undefined,
  };
}

/** The lines printed after a verification. */
export function formatVerifyReport(report: VerifyReport, seconds: number): string {
  if (report.problem) {
    const where =
      report.problem.leafIndex === undefined
        ? ''
        : ` (first bad entry: leaf ${report.problem.leafIndex}${report.problem.entryId ? `, entry ${report.problem.entryId}` : ''})`;
    return `TAMPERED${where}: ${report.problem.message}\nchecked ${entries(report.entries)} before the problem`;
  }
  return `intact: ${entries(report.entries)} and ${plural(report.treeHeads, 'signed tree head')} verified in ${seconds.toFixed(1)} s; root ${report.rootHash ?? '(empty)'} at size ${formatCount(report.treeSize)}`;
}

async function withDatabase<T>(options: DatabaseOptions, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(options);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** The signing key the server would use: the configured file, else the one in the data directory. */
function signingKeyFor(options: DatabaseOptions) {
  const config = loadConfig({ ...process.env, ...(options.dataDir ? { CAREGRAPH_DATA_DIR: options.dataDir } : {}) });
  return loadSigningKey({ keyFile: config.auditSigningKeyFile, dataDir: config.dataDir });
}

type VerifyCommandOptions = DatabaseOptions & ProgressOptions & { publicKey?: string[] };

function registerVerify(audit: Command, status: ExitStatus): void {
  addDatabaseOptions(
    audit
      .command('verify [file]')
      .description(
        'verify the whole log offline, from an export file or straight from the database; exits 1 naming the first tampered entry',
      ),
  )
    .option('--public-key <pem...>', 'trust only tree heads signed by these public key files')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (file: string | undefined, options: VerifyCommandOptions) => {
      const trustedKeys = options.publicKey?.map((path) => readFileSync(path, 'utf8'));
      const progress = createProgressReporter(options, progressView('verifying'));
      const started = performance.now();
      const verifyOptions = {
        ...(trustedKeys ? { trustedKeys } : {}),
        onProgress: (done: number, total: number) => progress.update({ done, total }),
      };
      let report: VerifyReport;
      try {
        report = file
          ? await verifyLog(await readLogFromExport(file), verifyOptions)
          : await withDatabase(options, async (db) => {
              const result = await verifyLog(await readLogFromDatabase(db), verifyOptions);
              const orphan = result.isValid ? await findOrphanEntry(db) : undefined;
              return orphan === undefined
                ? result
                : {
                    ...result,
                    isValid: false,
                    problem: {
                      kind: 'orphan-entry' as const,
                      entryId: orphan,
                      message: `entry ${orphan} is in no leaf (its leaf was deleted)`,
                    },
                  };
            });
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ ...report, seconds: Number(seconds.toFixed(3)) })}\n`
          : `${formatVerifyReport(report, seconds)}\n`,
      );
      status.code = report.isValid ? 0 : 1;
    });
}

function registerProof(audit: Command, status: ExitStatus): void {
  const proof = audit
    .command('proof')
    .description('inclusion and consistency proofs, checked before they are printed (JSON)');
  addDatabaseOptions(
    proof
      .command('inclusion')
      .description('the inclusion proof of an entry in a signed tree head (the latest by default)')
      .option('--leaf <index>', 'the entry at this leaf index', Number)
      .option('--entry <id>', 'the entry with this id')
      .option('--tree-size <size>', 'a signed tree head other than the latest', Number),
  ).action(async (options: DatabaseOptions & { leaf?: number; entry?: string; treeSize?: number }) => {
    if ((options.leaf === undefined) === (options.entry === undefined)) {
      throw new Error('give either --leaf or --entry');
    }
    const result = await withDatabase(options, (db) =>
      proveInclusion(db, {
        ...(options.leaf === undefined ? {} : { leafIndex: options.leaf }),
        ...(options.entry === undefined ? {} : { entryId: options.entry }),
        ...(options.treeSize === undefined ? {} : { treeSize: options.treeSize }),
      }),
    );
    const isValid = verifyInclusion({
      ...result,
      treeSize: result.treeHead.treeSize,
      rootHash: result.treeHead.rootHash,
    });
    process.stdout.write(
      `${JSON.stringify({ isValid, leafIndex: result.leafIndex, entryId: result.entryId, leafHash: result.leafHash.toString('hex'), treeHead: treeHeadJson(result.treeHead), proof: result.proof.map((hash) => hash.toString('hex')), entry: JSON.parse(result.entry) as unknown })}\n`,
    );
    status.code = isValid ? 0 : 1;
  });
  addDatabaseOptions(
    proof
      .command('consistency <first> [second]')
      .description('the consistency proof between two signed tree heads (sizes; the latest by default)'),
  ).action(async (first: string, second: string | undefined, options: DatabaseOptions) => {
    const result = await withDatabase(options, (db) =>
      proveConsistency(db, { first: Number(first), ...(second === undefined ? {} : { second: Number(second) }) }),
    );
    const isValid = verifyConsistency({
      first: result.first.treeSize,
      second: result.second.treeSize,
      firstHash: result.first.rootHash,
      secondHash: result.second.rootHash,
      proof: result.proof,
    });
    process.stdout.write(
      `${JSON.stringify({ isValid, first: treeHeadJson(result.first), second: treeHeadJson(result.second), proof: result.proof.map((hash) => hash.toString('hex')) })}\n`,
    );
    status.code = isValid ? 0 : 1;
  });
}

/** `caregraph audit …`: export, verify, publish and prove the audit trail. */
export function registerAuditCommand(program: Command, status: ExitStatus): void {
  const audit = program.command('audit').description('the verifiable audit trail');
  addDatabaseOptions(
    audit.command('export <file>').description('write the log (entries, signed tree heads, keys) as NDJSON'),
  )
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'do not show progress')
    .action(async (file: string, options: DatabaseOptions & ProgressOptions) => {
      const progress = createProgressReporter(options, progressView('exporting'));
      let result: { entries: number; treeSize: number };
      try {
        result = await withDatabase(options, (db) =>
          exportLog(db, file, (done, total) => progress.update({ done, total })),
        );
      } finally {
        progress.stop();
      }
      process.stdout.write(
        options.json ? `${JSON.stringify({ ...result, file })}\n` : `exported ${entries(result.entries)} to ${file}\n`,
      );
    });
  registerVerify(audit, status);
  addDatabaseOptions(
    audit
      .command('publish')
      .description(
        'put every committed entry in the tree now and sign a tree head (the server does this every second)',
      ),
  )
    .option('--json', 'print the tree head as JSON')
    .action(async (options: DatabaseOptions & { json?: boolean }) => {
      const key = signingKeyFor(options);
      const report = await withDatabase(options, (db) => integrateAll(db, { getKey: () => key, wait: true }));
      process.stdout.write(
        options.json
          ? `${JSON.stringify(report)}\n`
          : `integrated ${entries(report.integrated)}; tree size ${formatCount(report.treeSize)}\n`,
      );
    });
  registerProof(audit, status);
}
