import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWebAppNavigation } from './web-app.ts';

const navigation = (url: string, method = 'GET', accept = 'text/html,application/xhtml+xml,*/*;q=0.8') => ({
  method,
  url,
  headers: { accept },
});

describe('isWebAppNavigation', () => {
  it("serves the app's page for browser navigations to its routes", () => {
    assert.equal(isWebAppNavigation(navigation('/patients')), true);
    assert.equal(isWebAppNavigation(navigation('/patients/p1/journey?view=timeline')), true);
    assert.equal(isWebAppNavigation(navigation('/sign-in', 'HEAD')), true);
  });

  it('leaves API paths, files, non-HTML requests and writes to the 404 problem', () => {
    assert.equal(isWebAppNavigation(navigation('/api/patients/p1/nothing')), false);
    assert.equal(isWebAppNavigation(navigation('/fhir/R4/Nope')), false);
    assert.equal(isWebAppNavigation(navigation('/metrics')), false);
    assert.equal(isWebAppNavigation(navigation('/assets/missing.js')), false);
    assert.equal(isWebAppNavigation(navigation('/patients', 'GET', 'application/json')), false);
    assert.equal(isWebAppNavigation(navigation('/patients', 'POST')), false);
  });
});
