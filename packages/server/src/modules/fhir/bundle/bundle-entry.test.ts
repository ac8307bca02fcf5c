import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { badRequest, OutcomeError, outcome, preconditionFailed, statusOf } from '@caregraph/core/fhir';
import { locatedError, locateIssues, toErrorEntry, toFhirRequest, toResponseEntry } from './bundle-entry.ts';

describe('toFhirRequest', () => {
  it('splits the entry URL into path and query and carries the conditional headers', () => {
    const request = toFhirRequest(
      {
        resource: { resourceType: 'Patient' },
        request: {
          method: 'PUT',
          url: '/Patient?identifier=urn:x|1&active=true',
          ifMatch: 'W/"2"',
          ifNoneExist: 'a=b',
        },
      },
      0,
    );
    assert.equal(request.method, 'PUT');
    assert.equal(request.path, 'Patient');
    assert.deepEqual(request.query, [
      ['identifier', 'urn:x|1'],
      ['active', 'true'],
    ]);
    assert.equal(request.ifMatch, 'W/"2"');
    assert.equal(request.ifNoneExist, 'a=b');
    assert.deepEqual(request.body, { resourceType: 'Patient' });
  });

  it('unwraps a JSON Patch carried in a Binary', () => {
    const patch = [{ op: 'remove', path: '/active' }];
    const request = toFhirRequest(
      {
        resource: {
          resourceType: 'Binary',
          contentType: 'application/json-patch+json',
          data: Buffer.from(JSON.stringify(patch)).toString('base64'),
        },
        request: { method: 'PATCH', url: 'Patient/1' },
      },
      0,
    );
    assert.deepEqual(request.body, patch);
  });

  it('refuses an entry without a method or url, naming its request', () => {
    for (const request of [undefined, { method: 'GET' }, { url: 'Patient' }, { method: 'TRACE', url: 'Patient' }]) {
      assert.throws(
        () => toFhirRequest({ request } as never, 3),
        (error: unknown) =>
          error instanceof OutcomeError && error.outcome.issue?.[0]?.expression?.[0] === 'Bundle.entry[3].request',
      );
    }
  });
});

describe('locateIssues', () => {
  it('moves resource paths under the entry and keeps the status', () => {
    const located = locateIssues(
      outcome(422, [
        { severity: 'error', code: 'value', details: { text: 'bad gender' }, expression: ['Patient.gender'] },
        { severity: 'error', code: 'value', expression: ['Patient.name[0].given[1]', 'Patient'] },
        { severity: 'error', code: 'invalid', expression: ['resourceType'] },
        { severity: 'error', code: 'invalid', expression: ['Bundle.entry[4].request'] },
      ]),
      4,
    );
    assert.equal(statusOf(located), 422);
    assert.deepEqual(
      located.issue?.map((issue) => issue.expression),
      [
        ['Bundle.entry[4].resource.gender'],
        ['Bundle.entry[4].resource.name[0].given[1]', 'Bundle.entry[4].resource'],
        ['Bundle.entry[4].resource.resourceType'],
        ['Bundle.entry[4].request'],
      ],
    );
    assert.equal(located.issue?.[0]?.details?.text, 'Bundle entry 4: bad gender');
    assert.equal(located.issue?.[1]?.details?.text, 'Bundle entry 4: value');
  });

  it('points a search parameter named by an issue at the entry request', () => {
    const located = locateIssues(badRequest('Unknown search parameter "shoe-size"', 'shoe-size'), 2);
    assert.deepEqual(located.issue?.[0]?.expression, ['Bundle.entry[2].request']);
    assert.equal(statusOf(located), 400);
  });

  it('adds no expression to an issue that had none', () => {
    const located = locateIssues(preconditionFailed('Version conflict'), 1);
    assert.equal(located.issue?.[0]?.expression, undefined);
    assert.equal(statusOf(located), 412);
  });
});

describe('locatedError and toErrorEntry', () => {
  it('keep the status of the failure and hide unexpected errors behind a 500', () => {
    assert.equal(statusOf(locatedError(new OutcomeError(preconditionFailed('stale')), 0).outcome), 412);
    assert.equal(statusOf(locatedError(new Error('secret detail'), 0).outcome), 500);
    const entry = toErrorEntry(new Error('secret detail'), 5);
    assert.equal(entry.response?.status, '500');
    assert.doesNotMatch(JSON.stringify(entry), /secret detail/);
  });
});

describe('toResponseEntry', () => {
  it('gives the location, ETag and last modified time, and the resource only when asked', () => {
    const response = {
      status: 201,
      body: { resourceType: 'Patient' as const, id: '1' },
      versionId: 1,
      lastUpdated: new Date('2024-01-02T03:04:05.000Z'),
      location: 'Patient/1/_history/1',
    };
    assert.deepEqual(toResponseEntry(response, 'http://x/fhir/R4', false), {
      fullUrl: 'http://x/fhir/R4/Patient/1',
      response: {
        status: '201',
        location: 'Patient/1/_history/1',
        etag: 'W/"1"',
        lastModified: '2024-01-02T03:04:05.000Z',
      },
    });
    assert.deepEqual(
      toResponseEntry({ ...response, body: '{"resourceType":"Patient","id":"1"}' }, 'http://x', true).resource,
      {
        resourceType: 'Patient',
        id: '1',
      },
    );
  });
});
