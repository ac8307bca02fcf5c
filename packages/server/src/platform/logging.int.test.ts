import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { OAUTH_ROUTES, registerClient } from '../modules/oauth/index.ts';
import { ensureTenant } from '../modules/tenants/index.ts';
import { testConfig } from '../test/create-test-app.ts';
import { captureLogs, type LogCapture } from '../test/log-capture.ts';
import { openTestDatabase } from '../test/test-database.ts';
import type { Database } from './db/index.ts';

describe('request logging', () => {
  let db: Database;
  let app: FastifyInstance;
  let logs: LogCapture;
  let clientSecret: string;
  let token: string;
  /** Log lines written before the requests under test (the token request's). */
  let linesBefore: number;

  before(async () => {
    db = await openTestDatabase();
    const tenantId = `t-log-${Date.now().toString(36)}`;
    await ensureTenant(db, { id: tenantId, name: tenantId });
    const client = await registerClient(db, {
      tenantId,
      clientName: 'log test',
      isConfidential: true,
      grantTypes: ['client_credentials'],
      allowedScopes: ['system/*.*'],
      roles: ['admin'],
    });
    clientSecret = client.clientSecret ?? '';
    logs = captureLogs();
    app = await buildApp(testConfig({ LOG_LEVEL: 'info' }), { db, logStream: logs.stream });
    await app.ready();
    const issued = await app.inject({
      method: 'POST',
      url: OAUTH_ROUTES.token,
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    assert.equal(issued.statusCode, 200, issued.body);
    token = issued.json<{ access_token: string }>().access_token;
    linesBefore = logs.entries().length;
  });

  after(async () => {
    await app.close();
    await db.close();
  });

  it('logs method, path and status but never the credentials, the query string or a patient name', async () => {
    const authorization = `Bearer ${token}`;
    // 1. A search with a name in the query, a create with a name in the body, a conditional
    //    request with an identifier in the query, a bad body and an unknown route with a query.
    const search = await app.inject({
      method: 'GET',
      url: '/fhir/R4/Patient?name=Zebediah&birthdate=1911-11-11',
      headers: { authorization },
    });
    const create = await app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: {
        authorization,
        'content-type': 'application/fhir+json',
        'x-api-key': token,
        cookie: `session=${token}`,
      },
      payload: { resourceType: 'Patient', name: [{ family: 'Zebediah', given: ['Quillon'] }], birthDate: '1911-11-11' },
    });
    const invalid = await app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient',
      headers: { authorization, 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', name: [{ family: 'Zebediah' }], gender: 'Quillon' },
    });
    const malformed = await app.inject({
      method: 'POST',
      url: '/fhir/R4/Patient?name=Zebediah',
      headers: { authorization, 'content-type': 'application/fhir+json' },
      payload: '{"resourceType":"Patient","name":[{"family":"Zebediah"',
    });
    const unknown = await app.inject({ method: 'GET', url: '/no-such-page?name=Zebediah', headers: { authorization } });
    const unauthorized = await app.inject({
      method: 'GET',
      url: '/fhir/R4/Patient?name=Zebediah',
      headers: { authorization: 'Bearer Zebediah-guess-0000' },
    });
    assert.deepEqual(
      [search, create, invalid, malformed, unknown, unauthorized].map((response) => response.statusCode),
      [200, 201, 400, 400, 404, 401],
    );

    // 2. What was logged: JSON lines with the request and the response, nothing sensitive.
    const text = logs.text();
    const entries = logs.entries().slice(linesBefore);
    assert.ok(entries.length >= 12, `only ${entries.length} log lines`);
    assert.ok(!text.includes(token), 'the access token was logged');
    assert.ok(!text.includes(clientSecret), 'the client secret was logged');
    assert.ok(!text.includes('Zebediah'), 'a patient name was logged');
    assert.ok(!text.includes('Quillon'), 'a patient name was logged');
    assert.ok(!text.includes('1911-11-11'), 'a birth date was logged');
    assert.ok(!text.includes('name='), 'a query string was logged');
    assert.ok(!text.includes('?'), 'a query string was logged');
    const requests = entries.flatMap((entry) => (entry.req ? [entry.req as Record<string, unknown>] : []));
    assert.deepEqual(
      requests.map((request) => `${String(request.method)} ${String(request.path)}`),
      [
        'GET /fhir/R4/Patient',
        'POST /fhir/R4/Patient',
        'POST /fhir/R4/Patient',
        'POST /fhir/R4/Patient',
        'GET /no-such-page',
        'GET /fhir/R4/Patient',
      ],
    );
    assert.ok(requests.every((request) => Object.keys(request).sort().join() === 'id,method,path'));
    const statuses = entries.flatMap((entry) => (entry.res ? [(entry.res as { statusCode: number }).statusCode] : []));
    assert.deepEqual(statuses, [200, 201, 400, 400, 404, 401]);
  });
});
