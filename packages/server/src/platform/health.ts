import fp from 'fastify-plugin';

/** `/healthz` (the process is up) and `/readyz` (it can reach its database and is not shutting down). */
export const healthPlugin = fp(async (app) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (closing) {
      return reply.code(503).send({ status: 'shutting-down' });
    }
    try {
      await app.db.query('SELECT 1');
      return { status: 'ready', database: app.db.mode };
    } catch {
      return reply.code(503).send({ status: 'database-unavailable' });
    }
  });
});
