import type { Command } from 'commander';
import { loadConfig, startServer } from '@caregraph/server';

/** `caregraph serve`: the server and web UI; configuration comes from the environment. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'start the server and web UI (PORT, HOST, CAREGRAPH_DATA_DIR, DATABASE_URL, CAREGRAPH_BOOTSTRAP_CLIENT_ID/SECRET)',
    )
    .option('-p, --port <port>', 'port to listen on (overrides PORT)')
    .action(async (options: { port?: string }) => {
      const config = loadConfig({ ...process.env, ...(options.port ? { PORT: options.port } : {}) });
      await startServer(config);
    });
}
