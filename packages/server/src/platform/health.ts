import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Makes `/readyz` answer 503 from now on while requests are still served, so a load balancer
     * stops sending new traffic before the server closes. Closing the app does it too.
     */
    markNotReady: () => void;
  }
}

/**
 * `/healthz` (the process is up) and `/readyz` (it can reach its database and is not shutting
 * down); once shutting down, every response closes its connection.
 */
export const healthPlugin = fp(async (app) => {
  let isClosing = false;
  app.decorate('markNotReady', () => {
    isClosing = true;
  });
  app.addHook('preClose', async () => {
    isClosing = true;
  });
  // A response finished after close began tells the client to hang up. Otherwise a keep-alive
  // connection whose request was in flight when the server closed stays open until it times out,
  // and with it the shutdown.
  app.addHook('onSend', async (_request, reply) => {
    if (isClosing) {
      reply.header('connection', 'close');
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (isClosing) {
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
