import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('reports every problem at once', () => {
    const env = {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://db.example/caregraph',
      CAREGRAPH_API_KEY: 'too-short',
      CAREGRAPH_TENANT: 'Not_Valid',
      LOG_LEVEL: 'loud',
      DATABASE_POOL_SIZE: '0',
    };

    assert.throws(
      () => loadConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const problems = error.message.split('\n').slice(1);
        assert.equal(problems.length, 6, error.message);
        assert.match(error.message, /PORT must be a non-negative integer, got "eighty"/);
        assert.match(error.message, /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
        assert.match(error.message, /CAREGRAPH_API_KEY must be at least 16 characters/);
        assert.match(error.message, /CAREGRAPH_TENANT must be lower-case letters, digits and dashes/);
        assert.match(error.message, /LOG_LEVEL must be one of/);
        assert.match(error.message, /DATABASE_POOL_SIZE must be at least 1/);
        return true;
      },
    );
  });

  it('never repeats a secret from the environment in its error', () => {
    const env = { PORT: '-1', DATABASE_URL: 'mysql://admin:hunter2-secret@db/x', CAREGRAPH_API_KEY: 'short-secret' };

    assert.throws(
      () => loadConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.doesNotMatch(error.message, /hunter2|short-secret/);
        return true;
      },
    );
  });

  it('rejects a port above 65535', () => {
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be at most 65535, got 70000/);
  });

  it('rejects a DATABASE_URL that has the right scheme but does not parse', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://user@[broken/x' }), /DATABASE_URL/);
  });

  it("accepts a server's Unix-domain socket, libpq's way: an empty host and the socket directory as host", () => {
    const url = 'postgresql:///caregraph?host=/var/run/postgresql&user=caregraph';
    assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
  });

  it('uses defaults for an empty environment and freezes the result', () => {
    const config = loadConfig({});

    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.baseUrl, 'http://127.0.0.1:8080');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.apiKey, undefined);
    assert.equal(config.defaultTenantId, 'demo');
    assert.equal(config.loadDemoData, true);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.shutdownDelayMs, 0);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.ok(Object.isFrozen(config));
  });

  it('reads every setting it is given', () => {
    const config = loadConfig({
      HOST: '::1',
      PORT: '9000',
      DATABASE_URL: 'postgresql://caregraph@127.0.0.1:5432/caregraph',
      DATABASE_POOL_SIZE: '4',
      CAREGRAPH_API_KEY: 'a-key-of-sixteen-chars',
      CAREGRAPH_TENANT: 'clinic-7',
      CAREGRAPH_DATA_DIR: '/var/lib/caregraph',
      CAREGRAPH_DEMO_DATA: 'false',
      CAREGRAPH_BODY_LIMIT: '1024',
      CAREGRAPH_SHUTDOWN_TIMEOUT_MS: '500',
      CAREGRAPH_SHUTDOWN_DELAY_MS: '250',
      LOG_LEVEL: 'warn',
    });

    assert.equal(config.baseUrl, 'http://[::1]:9000');
    assert.equal(config.databasePoolSize, 4);
    assert.equal(config.defaultTenantId, 'clinic-7');
    assert.equal(config.dataDir, '/var/lib/caregraph');
    assert.equal(config.loadDemoData, false);
    assert.equal(config.bodyLimit, 1024);
    assert.equal(config.shutdownTimeoutMs, 500);
    assert.equal(config.shutdownDelayMs, 250);
    assert.equal(config.logLevel, 'warn');
  });

  it('takes the public base URL as configured, without a trailing slash', () => {
    assert.equal(loadConfig({ CAREGRAPH_BASE_URL: 'https://fhir.example.org/' }).baseUrl, 'https://fhir.example.org');
    assert.throws(() => loadConfig({ CAREGRAPH_BASE_URL: 'fhir.example.org' }), /CAREGRAPH_BASE_URL/);
  });

  it('derives mail sender and WebAuthn relying party from the base URL, with sign-in defaults', () => {
    const config = loadConfig({ CAREGRAPH_BASE_URL: 'https://care.example.org:8443/' });

    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.mailFrom, 'CareGraph <no-reply@care.example.org>');
    assert.deepEqual(config.webAuthn, { rpId: 'care.example.org', origin: 'https://care.example.org:8443' });
    assert.equal(config.lockoutThreshold, 10);
    assert.equal(config.lockoutMinutes, 15);
    assert.equal(config.adminEmail, 'admin@demo.caregraph.local');
    assert.equal(config.adminPassword, undefined);
    assert.equal(loadConfig({ HOST: '::1' }).webAuthn.rpId, '::1');
  });

  it('reads the sign-in settings it is given', () => {
    const config = loadConfig({
      CAREGRAPH_SMTP_URL: 'smtps://mailer:secret@smtp.example.org:465',
      CAREGRAPH_MAIL_FROM: 'Clinic <clinic@example.org>',
      CAREGRAPH_LOCKOUT_THRESHOLD: '5',
      CAREGRAPH_LOCKOUT_MINUTES: '30',
      CAREGRAPH_ADMIN_EMAIL: 'Root@Example.org',
      CAREGRAPH_ADMIN_PASSWORD: 'a long admin passphrase',
    });

    assert.equal(config.smtpUrl, 'smtps://mailer:secret@smtp.example.org:465');
    assert.equal(config.mailFrom, 'Clinic <clinic@example.org>');
    assert.deepEqual([config.lockoutThreshold, config.lockoutMinutes], [5, 30]);
    assert.equal(config.adminEmail, 'root@example.org');
    assert.equal(config.adminPassword, 'a long admin passphrase');
  });

  it('reports bad sign-in settings without repeating the secrets', () => {
    const env = {
      CAREGRAPH_SMTP_URL: 'http://mailer:hunter2-secret@smtp.example.org',
      CAREGRAPH_LOCKOUT_THRESHOLD: '0',
      CAREGRAPH_ADMIN_EMAIL: 'not an address',
      CAREGRAPH_ADMIN_PASSWORD: 'tiny-secret',
    };

    assert.throws(
      () => loadConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /CAREGRAPH_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
        assert.match(error.message, /CAREGRAPH_LOCKOUT_THRESHOLD must be at least 1/);
        assert.match(error.message, /CAREGRAPH_ADMIN_EMAIL must be an e-mail address/);
        assert.match(error.message, /CAREGRAPH_ADMIN_PASSWORD must be at least 12 characters/);
        assert.doesNotMatch(error.message, /hunter2|tiny-secret/);
        return true;
      },
    );
  });

  it('configures the authorization server: issuer from the base URL, token lifetimes, no bootstrap client', () => {
    const config = loadConfig({ CAREGRAPH_BASE_URL: 'https://care.example.org/' });
    assert.equal(config.oauth.issuer, 'https://care.example.org');
    assert.equal(config.oauth.bootstrapClient, undefined);
    assert.equal(config.oauth.accessTokenTtlSeconds, 3600);
    assert.equal(config.oauth.refreshTokenTtlSeconds, 14 * 86_400);
    assert.ok(Object.isFrozen(config.oauth));
  });

  it('reads the bootstrap client and token lifetimes it is given', () => {
    const config = loadConfig({
      CAREGRAPH_BOOTSTRAP_CLIENT_ID: 'scripts',
      CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: 'a-client-secret-of-at-least-32-chars',
      CAREGRAPH_ACCESS_TOKEN_TTL: '600',
      CAREGRAPH_REFRESH_TOKEN_TTL: '86400',
    });
    assert.deepEqual(config.oauth.bootstrapClient, {
      clientId: 'scripts',
      clientSecret: 'a-client-secret-of-at-least-32-chars',
    });
    assert.equal(config.oauth.accessTokenTtlSeconds, 600);
    assert.equal(config.oauth.refreshTokenTtlSeconds, 86_400);
  });

  it('reports bad authorization server settings without repeating the secret', () => {
    assert.throws(
      () =>
        loadConfig({ CAREGRAPH_BOOTSTRAP_CLIENT_SECRET: 'short-bootstrap-secret', CAREGRAPH_ACCESS_TOKEN_TTL: '5' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /CAREGRAPH_BOOTSTRAP_CLIENT_ID and CAREGRAPH_BOOTSTRAP_CLIENT_SECRET must be set together/,
        );
        assert.match(error.message, /CAREGRAPH_BOOTSTRAP_CLIENT_SECRET must be at least 32 characters/);
        assert.match(error.message, /CAREGRAPH_ACCESS_TOKEN_TTL must be between 60 and 86400 seconds/);
        assert.doesNotMatch(error.message, /short-bootstrap-secret/);
        return true;
      },
    );
  });
});
