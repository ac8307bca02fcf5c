import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, describeErrorBody } from './api-error.ts';
import { buildUrl, createHttpClient } from './http-client.ts';
import { getJourney, journeyLiveUrl } from './journey.ts';

/** A fetch that records each request and answers with `respond`. */
function recordingFetch(respond: (url: string) => Response) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, headers: init?.headers as Record<string, string> });
    return respond(url);
  }) as typeof fetch;
  return { calls, fetchImpl };
}

describe('buildUrl', () => {
  it('encodes values, repeats arrays and leaves out undefined', () => {
    assert.equal(
      buildUrl('https://x.org', '/fhir/R4/Patient', {
        name: 'O’Brien & co',
        _count: 5,
        code: ['a', 'b'],
        x: undefined,
      }),
      'https://x.org/fhir/R4/Patient?name=O%E2%80%99Brien+%26+co&_count=5&code=a&code=b',
    );
    assert.equal(buildUrl('', '/api/x'), '/api/x');
  });
});

describe('describeErrorBody', () => {
  it('reads OperationOutcome diagnostics and problem details', () => {
    assert.equal(
      describeErrorBody({
        resourceType: 'OperationOutcome',
        issue: [{ diagnostics: 'Unknown parameter "foo"' }, { details: { text: 'second' } }],
      }),
      'Unknown parameter "foo"; second',
    );
    assert.equal(
      describeErrorBody({ type: 'about:blank', title: 'Not Found', detail: 'No patient p9' }),
      'No patient p9',
    );
    assert.equal(describeErrorBody('text'), undefined);
  });
});

describe('createHttpClient', () => {
  it('sends the bearer token and parses JSON', async () => {
    const { calls, fetchImpl } = recordingFetch(() => Response.json({ nodes: [], edges: [] }));
    const client = createHttpClient({ baseUrl: 'http://h', token: 'secret', fetch: fetchImpl });
    const graph = await getJourney(client, 'p 1', { types: ['Condition', 'Procedure'], count: 50 });
    assert.deepEqual(graph, { nodes: [], edges: [] });
    assert.equal(calls[0]!.url, 'http://h/api/patients/p%201/journey?type=Condition%2CProcedure&_count=50');
    assert.equal(calls[0]!.headers.Authorization, 'Bearer secret');
  });

  it('turns an error answer into an ApiError with the server explanation', async () => {
    const { fetchImpl } = recordingFetch(() =>
      Response.json(
        { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'Patient/p9 not found' }] },
        { status: 404 },
      ),
    );
    const client = createHttpClient({ baseUrl: '', token: 't', fetch: fetchImpl });
    await assert.rejects(client.get('/fhir/R4/Patient/p9'), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
      assert.equal(error.message, 'Patient/p9 not found');
      return true;
    });
  });

  it('reports an unreachable server as status 0', async () => {
    const client = createHttpClient({
      baseUrl: '',
      token: 't',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await assert.rejects(client.get('/x'), (error: unknown) => error instanceof ApiError && error.status === 0);
  });
});

describe('journeyLiveUrl', () => {
  it('switches http to ws and https to wss', () => {
    assert.equal(journeyLiveUrl('http://h:8080', 'p1'), 'ws://h:8080/api/patients/p1/journey/live');
    assert.equal(journeyLiveUrl('https://h', 'p1'), 'wss://h/api/patients/p1/journey/live');
  });
});
