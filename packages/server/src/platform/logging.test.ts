import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino, { type LoggerOptions } from 'pino';
import { captureLogs } from '../test/log-capture.ts';
import { loggerOptions, serializeRequest } from './logging.ts';

function createLogger() {
  const logs = captureLogs();
  const options = loggerOptions('info') as LoggerOptions;
  return { logger: pino(options, logs.stream), logs };
}

describe('serializeRequest', () => {
  it('keeps the id, method and path and drops the query string', () => {
    assert.deepEqual(
      serializeRequest({ id: 'req-1', method: 'GET', url: '/fhir/R4/Patient?name=Zebediah&birthdate=1911' }),
      {
        id: 'req-1',
        method: 'GET',
        path: '/fhir/R4/Patient',
      },
    );
  });
});

describe('loggerOptions', () => {
  it('logs a request without its headers or query string', () => {
    const { logger, logs } = createLogger();

    logger.info({
      req: {
        id: 'req-7',
        method: 'POST',
        url: '/fhir/R4/Patient?name=secret-name',
        headers: { authorization: 'Bearer secret-key', cookie: 'sid=secret-cookie', 'x-api-key': 'secret-api' },
      },
    });

    assert.deepEqual(logs.entries()[0]?.req, { id: 'req-7', method: 'POST', path: '/fhir/R4/Patient' });
    assert.doesNotMatch(logs.text(), /secret/);
  });

  it('redacts nested token and password fields', () => {
    const { logger, logs } = createLogger();

    logger.info({ login: { password: 'secret-password', token: 'secret-token' } });

    assert.doesNotMatch(logs.text(), /secret/);
    assert.deepEqual(logs.entries()[0]?.login, { password: '[redacted]', token: '[redacted]' });
  });

  it('redacts the detail of a database error, which can quote the row it rejected', () => {
    const { logger, logs } = createLogger();
    const error = Object.assign(new Error('new row for relation "resource" violates check constraint'), {
      detail: 'Failing row contains (t1, Patient, p1, {"name": [{"family": "Zebediah"}]})',
      code: '23514',
    });

    logger.error({ err: error }, 'request failed');

    const [entry] = logs.entries();
    assert.equal((entry?.err as Record<string, unknown>).detail, '[redacted]');
    assert.equal((entry?.err as Record<string, unknown>).code, '23514');
    assert.doesNotMatch(logs.text(), /Zebediah/);
  });
});
