import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { buildApp } from '../../app.ts';
import type { Database } from '../../platform/db/index.ts';
import { testConfig } from '../../test/create-test-app.ts';
import { captureLogs, type LogCapture } from '../../test/log-capture.ts';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { openTestDatabase } from '../../test/test-database.ts';
import { ensureTenant } from '../tenants/index.ts';
import { createUser } from './index.ts';

const EMAIL = 'zebediah.quill@clinic.example';
const PASSWORD = 'violet kettle harbour 42';

describe('sign-in logging', () => {
  let db: Database;
  let app: FastifyInstance;
  let logs: LogCapture;
  let temp: TempDir;
  const tenantId = `t-idlog-${Date.now().toString(36)}`;

  before(async () => {
    db = await openTestDatabase();
    temp = createTempDir('identity-logging');
    await ensureTenant(db, { id: tenantId, name: tenantId });
    await createUser(
      { db, now: () => new Date() },
      { tenantId, email: EMAIL, displayName: 'Z Quill', roles: ['nurse'], password: PASSWORD },
    );
    logs = captureLogs();
    app = await buildApp(testConfig({ LOG_LEVEL: 'debug', CAREGRAPH_DATA_DIR: temp.path }), {
      db,
      logStream: logs.stream,
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await db.close();
    temp.remove();
  });

  it('never logs an address, password, challenge token, seed or code of a sign-in', async () => {
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url: `/api/auth${url}`, payload });
    // 1. A wrong password, then enrolment of an authenticator app, then a reset request.
    await post('/login', { tenant: tenantId, email: EMAIL, password: 'wrong password entirely' });
    const login = (await post('/login', { tenant: tenantId, email: EMAIL, password: PASSWORD, enrolMfa: true })).json<{
      challengeToken: string;
    }>();
    const { secret } = (await post('/mfa/enrol/totp', { challengeToken: login.challengeToken })).json<{
      secret: string;
    }>();
    const code = await generate({ secret });
    const done = (await post('/mfa/enrol/totp/confirm', { challengeToken: login.challengeToken, code })).json<{
      recoveryCodes: string[];
    }>();
    await post('/password-reset', { tenant: tenantId, email: EMAIL });
    await new Promise((resolve) => setTimeout(resolve, 200));

    // 2. The requests were logged, none of the secrets.
    const text = logs.text();
    assert.match(text, /\/api\/auth\/mfa\/enrol\/totp\/confirm/);
    // A six-digit code could occur inside a timing figure, so it is looked for as a JSON string.
    for (const secretValue of [EMAIL, PASSWORD, login.challengeToken, secret, `"${code}"`, ...done.recoveryCodes]) {
      assert.ok(!text.includes(secretValue), `log contains ${secretValue.slice(0, 4)}…`);
    }
  });
});
