import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeDatabaseMode,
  describeFetchError,
  parseReadiness,
  summarizeCapabilities,
} from '../src/features/status/summary.ts';

describe('summarizeCapabilities', () => {
  it('reads versions, the resource type count and system interactions from rest[0]', () => {
    const summary = summarizeCapabilities({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      software: { name: 'CareGraph', version: '0.1.0' },
      rest: [
        {
          mode: 'server',
          resource: [{ type: 'Patient' }, { type: 'Observation' }, { type: 'Encounter' }],
          interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        },
        { mode: 'client', resource: [{ type: 'Patient' }] },
      ],
    });
    assert.deepEqual(summary, {
      fhirVersion: '4.0.1',
      softwareName: 'CareGraph',
      softwareVersion: '0.1.0',
      resourceTypeCount: 3,
      systemInteractions: ['transaction', 'batch', 'history-system'],
    });
  });

  it('falls back when optional parts are missing or malformed', () => {
    const summary = summarizeCapabilities({
      resourceType: 'CapabilityStatement',
      software: 'CareGraph',
      rest: [{ resource: 'none', interaction: [{ code: 'batch' }, { code: 7 }, null] }],
    });
    assert.deepEqual(summary, {
      fhirVersion: 'unknown',
      softwareName: 'unknown',
      softwareVersion: 'unknown',
      resourceTypeCount: 0,
      systemInteractions: ['batch'],
    });
    assert.equal(summarizeCapabilities({ resourceType: 'CapabilityStatement' }).resourceTypeCount, 0);
  });

  it('rejects anything that is not a CapabilityStatement', () => {
    for (const body of [null, [], 'text', { resourceType: 'OperationOutcome' }]) {
      assert.throws(() => summarizeCapabilities(body), /not a CapabilityStatement/);
    }
  });
});

describe('parseReadiness', () => {
  it('reads a ready server and its database mode', () => {
    assert.deepEqual(parseReadiness({ status: 'ready', database: 'embedded' }), {
      ready: true,
      status: 'ready',
      database: 'embedded',
    });
  });

  it('reads the reason a server is not ready (sent with 503)', () => {
    assert.deepEqual(parseReadiness({ status: 'database-unavailable' }), {
      ready: false,
      status: 'database-unavailable',
      database: undefined,
    });
  });

  it('rejects a body without a status', () => {
    assert.throws(() => parseReadiness({ database: 'embedded' }), /Unexpected \/readyz response/);
    assert.throws(() => parseReadiness('ready'), /Unexpected \/readyz response/);
  });
});

describe('describeDatabaseMode', () => {
  it('explains both modes and an unknown one', () => {
    assert.match(describeDatabaseMode('embedded'), /PGlite/);
    assert.match(describeDatabaseMode('postgres'), /PostgreSQL/);
    assert.equal(describeDatabaseMode(undefined), 'not reported');
  });
});

describe('describeFetchError', () => {
  it('turns a network failure into an unreachable-server message', () => {
    assert.equal(
      describeFetchError(new TypeError('Failed to fetch'), '/readyz'),
      'The CareGraph server could not be reached (/readyz).',
    );
  });

  it('keeps other error messages', () => {
    assert.equal(describeFetchError(new Error('/readyz answered HTTP 500.'), '/readyz'), '/readyz answered HTTP 500.');
    assert.equal(describeFetchError('boom', '/readyz'), 'Request to /readyz failed.');
  });
});
