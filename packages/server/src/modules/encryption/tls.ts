// HTTPS from configured certificate and key files, and HTTP Strict Transport Security (RFC 6797).
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { TlsSettings } from './settings.ts';

/** Fastify's `https` server option when a certificate is configured; nothing for plain HTTP. */
export function httpsOptionsFrom(settings: TlsSettings): { https?: { cert: Buffer; key: Buffer } } {
  if (!settings.certFile || !settings.keyFile) {
    return {};
  }
  return { https: { cert: readFileSync(settings.certFile), key: readFileSync(settings.keyFile) } };
}

/**
 * Sends `Strict-Transport-Security` on every response when this server speaks TLS, or when a
 * TLS-terminating proxy in front of it is configured. Over plain HTTP alone it is not sent: browsers
 * ignore it there (RFC 6797 §8.1), and announcing HTTPS a server cannot serve would lock users out.
 */
export const hstsPlugin = fp<{ settings: TlsSettings }>(async (app, options) => {
  const { settings } = options;
  const isTls = settings.certFile !== undefined;
  if (!isTls && !settings.isBehindTlsProxy) {
    return;
  }
  const value = `max-age=${settings.hstsMaxAgeSeconds}`;
  // On the raw response, so that routes answering through Node directly (the authorization server) carry it too.
  app.addHook('onRequest', async (_request, reply) => {
    reply.raw.setHeader('strict-transport-security', value);
  });
});
