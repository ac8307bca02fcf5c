import { Command, CommanderError } from 'commander';
import { registerImportCommand } from './commands/import.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerServeCommand } from './commands/serve.ts';

/** Builds the command tree; each command group lives in `commands/<noun>.ts`. */
export function buildProgram(): Command {
  const program = new Command('caregraph')
    .description('CareGraph: FHIR R4 clinical platform')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerImportCommand(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code (non-zero on any failure). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}
