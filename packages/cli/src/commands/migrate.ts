import type { Command } from 'commander';
import { loadConfig, migrate, openDatabase } from '@caregraph/server';

/** `caregraph migrate`: applies pending schema migrations to the configured database. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (embedded database, or DATABASE_URL)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        const report = await migrate(db);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...report, database: db.mode })}\n`);
        } else if (report.applied.length === 0) {
          process.stdout.write(`database (${db.mode}) is up to date at version ${report.current}\n`);
        } else {
          process.stdout.write(`applied ${report.applied.join(', ')}; now at version ${report.current}\n`);
        }
      } finally {
        await db.close();
      }
    });
}
