import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, Observation } from '../fhir/types.ts';
import { ApiError } from './api-error.ts';
import { createResource, outcomeIssuesOf, readResource, searchNextPage, searchResources } from './fhir.ts';
import { createHttpClient } from './http-client.ts';
import { suggestConcepts } from './terminology.ts';

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

/** A fetch that records each request and answers with `respond`. */
function recordingFetch(respond: (call: Call) => Response) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const call: Call = {
      url,
      method: init?.method ?? 'GET',
      headers: init?.headers as Record<string, string>,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { calls, client: createHttpClient({ baseUrl: 'http://h', token: 'k', fetch: fetchImpl }) };
}

const condition: Condition = {
  resourceType: 'Condition',
  subject: { reference: 'Patient/p1' },
  code: { text: 'Asthma' },
};

describe('searchResources', () => {
  it('splits matches from included resources and turns the next link into a path', async () => {
    const { calls, client } = recordingFetch(() =>
      Response.json({
        resourceType: 'Bundle',
        type: 'searchset',
        total: 3,
        link: [{ relation: 'next', url: 'http://h/fhir/R4/Observation?patient=p1&_count=2&_cursor=abc' }],
        entry: [
          { resource: { resourceType: 'Observation', id: 'o1' }, search: { mode: 'match' } },
          { resource: { resourceType: 'Observation', id: 'o2' } },
          { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' } },
        ],
      }),
    );
    const page = await searchResources<Observation>(client, 'Observation', { patient: 'p1', _count: 2 });
    assert.equal(calls[0]!.url, 'http://h/fhir/R4/Observation?patient=p1&_count=2');
    assert.deepEqual(
      page.resources.map((resource) => resource.id),
      ['o1', 'o2'],
    );
    assert.deepEqual(
      page.included.map((resource) => resource.id),
      ['p1'],
    );
    assert.equal(page.total, 3);
    assert.equal(page.next, '/fhir/R4/Observation?patient=p1&_count=2&_cursor=abc');

    await searchNextPage(client, page.next);
    assert.equal(calls[1]!.url, 'http://h/fhir/R4/Observation?patient=p1&_count=2&_cursor=abc');
  });

  it('has no next page on the last page', async () => {
    const { client } = recordingFetch(() => Response.json({ resourceType: 'Bundle', type: 'searchset' }));
    const page = await searchResources(client, 'Condition');
    assert.deepEqual(page, { resources: [], included: [] });
  });
});

describe('readResource', () => {
  it('encodes the id', async () => {
    const { calls, client } = recordingFetch(() => Response.json({ resourceType: 'Patient', id: 'a b' }));
    await readResource(client, 'Patient', 'a b');
    assert.equal(calls[0]!.url, 'http://h/fhir/R4/Patient/a%20b');
  });
});

describe('createResource', () => {
  it('POSTs FHIR JSON with the credential and returns the stored resource', async () => {
    const { calls, client } = recordingFetch((call) =>
      Response.json({ ...(JSON.parse(call.body ?? '{}') as object), id: 'c1' }, { status: 201 }),
    );
    const saved = await createResource(client, condition);
    assert.equal(saved.id, 'c1');
    assert.equal(calls[0]!.method, 'POST');
    assert.equal(calls[0]!.url, 'http://h/fhir/R4/Condition');
    assert.equal(calls[0]!.headers['Content-Type'], 'application/fhir+json');
    assert.equal(calls[0]!.headers.Authorization, 'Bearer k');
    assert.deepEqual(JSON.parse(calls[0]!.body ?? ''), condition);
  });

  it('rejects with an ApiError whose issues name the sentence and the element', async () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'invariant',
          details: { text: 'Constraint con-4 not met' },
          diagnostics: '{"fhirpath":"abatement.empty()"}',
          expression: ['Condition'],
        },
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'Invalid dateTime format',
          expression: ['Condition.onset[x]'],
        },
        { severity: 'warning', code: 'informational' },
      ],
    };
    const { client } = recordingFetch(() => Response.json(outcome, { status: 400 }));
    const error = await createResource(client, condition).then(
      () => assert.fail('expected a rejection'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.deepEqual(outcomeIssuesOf(error), [
      { severity: 'error', text: 'Constraint con-4 not met', expression: ['Condition'] },
      { severity: 'error', text: 'Invalid dateTime format', expression: ['Condition.onset[x]'] },
    ]);
  });

  it('parses an empty answer as nothing, which a create cannot use', async () => {
    const { client } = recordingFetch(() => new Response(null, { status: 204 }));
    assert.equal(await client.send('PUT', '/api/x', { a: 1 }), undefined);
    await assert.rejects(createResource(client, condition), (error: unknown) => {
      return error instanceof ApiError && error.status === 502;
    });
  });

  it('finds no issues in errors without an OperationOutcome', () => {
    assert.deepEqual(outcomeIssuesOf(new ApiError(0, 'unreachable')), []);
    assert.deepEqual(outcomeIssuesOf(new ApiError(400, 'bad', { title: 'Bad Request' })), []);
    assert.deepEqual(outcomeIssuesOf(new Error('x')), []);
  });
});

describe('suggestConcepts', () => {
  it('repeats system and leaves out what was not asked', async () => {
    const item = {
      system: 'http://snomed.info/sct',
      systemName: 'SNOMED CT',
      code: '73211009',
      display: 'Diabetes mellitus',
      inactive: false,
      matchedOn: 'word-prefix',
    };
    const { calls, client } = recordingFetch(() => Response.json({ items: [item] }));
    const items = await suggestConcepts(client, {
      text: 'diab',
      systems: ['http://snomed.info/sct', 'http://hl7.org/fhir/sid/icd-10-cm'],
      count: 10,
    });
    assert.deepEqual(items, [item]);
    assert.equal(
      calls[0]!.url,
      'http://h/api/terminology/search?q=diab&system=http%3A%2F%2Fsnomed.info%2Fsct&system=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Ficd-10-cm&count=10',
    );
  });
});
