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
});
