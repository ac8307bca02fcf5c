import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './commands/audit.ts';
import { registerImportCommand } from './commands/import.ts';
import { registerJourneyCommand } from './commands/journey.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerMpiCommand } from './commands/mpi.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTerminologyCommand } from './commands/terminology.ts';
import type { ExitStatus } from './exit-status.ts';

/**
 * Builds the command tree; each command group lives in `commands/<noun>.ts`.
 * @param status - where a command that fails without throwing (an import with errors) records its exit code
 */
export function buildProgram(status: ExitStatus = { code: 0 }): Command {
  const program = new Command('caregraph')
    .description('CareGraph: FHIR R4 clinical platform')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerImportCommand(program, status);
  registerTerminologyCommand(program);
  registerJourneyCommand(program);
  registerAuditCommand(program, status);
  registerMpiCommand(program, status);
  registerKeysCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code (non-zero on any failure). */
export async function main(argv: string[]): Promise<number> {
  const status: ExitStatus = { code: 0 };
  try {
    await buildProgram(status).parseAsync(argv);
    return status.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}
