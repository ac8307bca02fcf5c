import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import { ConfigError } from '../../config.ts';
import { testConfig } from '../../test/create-test-app.ts';
import { createTempDir } from '../../test/temp-dir.ts';
import { openTestDatabase } from '../../test/test-database.ts';
import type { Database } from '../../platform/db/index.ts';
import { registerClient } from '../oauth/index.ts';

/** Whether the openssl command is there to make a self-signed certificate with. */
function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now. */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type HttpsAnswer = { status: number; headers: Record<string, string | string[] | undefined>; isAuthorized: boolean };

/** A GET over a real TLS connection that trusts only the test's certificate. */
function httpsGet(url: string, ca: Buffer): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, method: 'GET', agent: false }, (response) => {
      // Read while the socket is still attached to the response.
      const isAuthorized = response.socket instanceof TLSSocket && response.socket.authorized;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, isAuthorized }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS, HSTS and cookie flags', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  const dir = createTempDir('tls');
  const certFile = path.join(dir.path, 'cert.pem');
  const keyFile = path.join(dir.path, 'key.pem');
  let db: Database;
  let app: FastifyInstance;
  let baseUrl: string;

  before(async () => {
    // 1. A self-signed certificate for 127.0.0.1, made for this test only.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    const port = await findFreePort();
    baseUrl = `https://127.0.0.1:${port}`;
    db = await openTestDatabase();
    app = await buildApp(
      testConfig({ CAREGRAPH_TLS_CERT_FILE: certFile, CAREGRAPH_TLS_KEY_FILE: keyFile, CAREGRAPH_BASE_URL: baseUrl }),
      { db },
    );
    await app.listen({ host: '127.0.0.1', port });
  });

  after(async () => {
    await app.close();
    await db.close();
    dir.remove();
  });

  it('serves HTTPS with the configured certificate and sends Strict-Transport-Security', async () => {
    const answer = await httpsGet(`${baseUrl}/healthz`, readFileSync(certFile));
    assert.equal(answer.status, 200);
    assert.equal(answer.isAuthorized, true);
    assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000');
  });

  it("marks the authorization server's cookies Secure, HttpOnly and SameSite=Lax", async () => {
    const tenantId = `t-${randomBytes(6).toString('hex')}`;
    await db.query('INSERT INTO tenant (id, name) VALUES ($1, $1)', [tenantId]);
    const { clientId } = await registerClient(db, {
      tenantId,
      clientName: 'TLS test app',
      isConfidential: false,
      redirectUris: ['https://app.example/callback'],
      grantTypes: ['authorization_code'],
      allowedScopes: ['openid'],
    });
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: 'https://app.example/callback',
      scope: 'openid',
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const answer = await httpsGet(`${baseUrl}/oauth/authorize?${query.toString()}`, readFileSync(certFile));
    assert.equal(answer.status, 303);
    assert.equal(answer.headers['strict-transport-security'], 'max-age=31536000');
    const cookies = answer.headers['set-cookie'] ?? [];
    assert.ok(cookies.length > 0, 'the interaction cookie is set');
    for (const cookie of cookies) {
      assert.match(cookie, /; secure/i, cookie);
      assert.match(cookie, /; httponly/i, cookie);
      assert.match(cookie, /; samesite=lax/i, cookie);
    }
  });

  it('sends no HSTS over plain HTTP, unless a TLS-terminating proxy is configured', async () => {
    const plain = await buildApp(testConfig(), { db });
    const proxied = await buildApp(testConfig({ CAREGRAPH_TLS_PROXY: 'true', CAREGRAPH_HSTS_MAX_AGE: '600' }), { db });
    try {
      const direct = await plain.inject({ method: 'GET', url: '/healthz' });
      assert.equal(direct.headers['strict-transport-security'], undefined);
      const behindProxy = await proxied.inject({ method: 'GET', url: '/healthz' });
      assert.equal(behindProxy.headers['strict-transport-security'], 'max-age=600');
    } finally {
      await plain.close();
      await proxied.close();
    }
  });

  it('refuses a certificate without its key, and files that do not exist', () => {
    assert.throws(
      () => testConfig({ CAREGRAPH_TLS_CERT_FILE: certFile }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /CAREGRAPH_TLS_CERT_FILE and CAREGRAPH_TLS_KEY_FILE must be set together/);
        return true;
      },
    );
    assert.throws(
      () => testConfig({ CAREGRAPH_TLS_CERT_FILE: certFile, CAREGRAPH_TLS_KEY_FILE: path.join(dir.path, 'none.pem') }),
      /CAREGRAPH_TLS_KEY_FILE .*none\.pem does not exist/,
    );
  });
});
