import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricsRouteOf } from './routes.ts';

describe('metricsRouteOf', () => {
  it('labels requests by method and resource type, folding instance paths', () => {
    assert.equal(metricsRouteOf('GET', 'Patient'), 'fhir:GET Patient');
    assert.equal(metricsRouteOf('GET', 'Patient/123/_history/2'), 'fhir:GET Patient/…');
    assert.equal(metricsRouteOf('POST', ''), 'fhir:POST /');
    assert.equal(metricsRouteOf('GET', '_history'), 'fhir:GET _history');
  });

  it('gives every unknown first segment the same label so clients cannot create new series', () => {
    assert.equal(metricsRouteOf('GET', 'junk123'), 'fhir:GET unknown');
    assert.equal(metricsRouteOf('GET', 'other-junk/1'), 'fhir:GET unknown/…');
  });
});
