import fp from 'fastify-plugin';
import type { Database } from './db/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

/** Shares the database with every module and closes it when the app closes (unless the caller owns it). */
export const dbPlugin = fp<{ db: Database; closeOnShutdown: boolean }>(async (app, options) => {
  app.decorate('db', options.db);
  if (options.closeOnShutdown) {
    app.addHook('onClose', async () => {
      await options.db.close();
    });
  }
});
