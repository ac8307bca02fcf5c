import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp, type TestTenant } from '../test/create-test-app.ts';
import { DB_SIZE_METRIC, readDatabaseSize } from './metrics.ts';

/** The value of one sample line of Prometheus text, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match?.[1] === name && wanted.every((label) => match[2]?.split(',').includes(label))) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe('metrics', () => {
  let testApp: TestApp;
  let tenant: TestTenant;

  before(async () => {
    testApp = await createTestApp();
    tenant = await testApp.createTestTenant();
  });

  after(() => testApp.close());

  it('serves Prometheus text with request counts and latencies by method, route and status, and database latencies', async () => {
    // 1. A few FHIR requests: two creates, a search, a read of something absent.
    for (const family of ['Metricone', 'Metrictwo']) {
      const created = await tenant.request({
        method: 'POST',
        url: '/fhir/R4/Patient',
        payload: { resourceType: 'Patient', name: [{ family }] },
      });
      assert.equal(created.statusCode, 201);
    }
    assert.equal((await tenant.request({ method: 'GET', url: '/fhir/R4/Patient?family=Metricone' })).statusCode, 200);
    assert.equal((await tenant.request({ method: 'GET', url: '/fhir/R4/Patient/absent' })).statusCode, 404);

    // 2. Scrape without credentials.
    const response = await testApp.app.inject({ method: 'GET', url: '/metrics' });

    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    assert.match(text, /^# HELP caregraph_http_requests_total /m);
    assert.match(text, /^# TYPE caregraph_http_request_duration_seconds histogram$/m);
    assert.equal(
      sample(text, 'caregraph_http_requests_total', { method: 'POST', route: 'fhir:POST Patient', status: '201' }),
      2,
    );
    assert.equal(
      sample(text, 'caregraph_http_requests_total', { method: 'GET', route: 'fhir:GET Patient', status: '200' }),
      1,
    );
    assert.equal(
      sample(text, 'caregraph_http_requests_total', { method: 'GET', route: 'fhir:GET Patient/…', status: '404' }),
      1,
    );
    assert.equal(
      sample(text, 'caregraph_http_request_duration_seconds_count', {
        method: 'POST',
        route: 'fhir:POST Patient',
        status: '201',
      }),
      2,
    );
    assert.ok(
      sample(text, 'caregraph_http_request_duration_seconds_bucket', {
        method: 'POST',
        route: 'fhir:POST Patient',
        status: '201',
        le: '+Inf',
      }) === 2,
    );
    const queries = sample(text, 'caregraph_db_query_duration_seconds_count', { outcome: 'ok' });
    assert.ok(queries !== undefined && queries > 0, `db query count ${queries}`);
  });

  it('labels requests that match no route as unmatched, so unknown paths add no label values', async () => {
    await testApp.app.inject({ method: 'GET', url: '/no/such/path-a1' });
    await testApp.app.inject({ method: 'GET', url: '/no/such/path-b2' });

    const text = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;

    assert.equal(
      sample(text, 'caregraph_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
      2,
    );
    assert.doesNotMatch(text, /path-a1|path-b2/);
  });

  it('counts database errors under their own outcome', async () => {
    await assert.rejects(testApp.db.query('SELECT * FROM no_such_table'));

    const text = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;

    assert.ok((sample(text, 'caregraph_db_query_duration_seconds_count', { outcome: 'error' }) ?? 0) >= 1);
  });

  it('reports the database size in bytes, measured at scrape time', async () => {
    // 1. The size the database reports for itself.
    const expected = await readDatabaseSize(testApp.db);
    assert.ok(expected > 1_000_000, `a migrated database is larger than 1 MB, got ${expected}`);

    // 2. The scrape carries it as a gauge without labels.
    const text = (await testApp.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, new RegExp(`^# TYPE ${DB_SIZE_METRIC} gauge$`, 'm'));
    const scraped = Number(new RegExp(`^${DB_SIZE_METRIC} (\\d+)$`, 'm').exec(text)?.[1]);
    // Other tests write meanwhile; the size only grows in whole pages.
    assert.ok(scraped >= expected, `scraped ${scraped}, measured ${expected} before`);
    assert.ok(scraped < expected * 2, `scraped ${scraped} is near ${expected}`);
  });
});
