import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../test/create-test-app.ts';
import { createTempDir, type TempDir } from '../test/temp-dir.ts';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

describe('web app serving', () => {
  let dist: TempDir;
  let testApp: TestApp;

  before(async () => {
    dist = createTempDir('web-dist');
    writeFileSync(path.join(dist.path, 'index.html'), '<!doctype html><title>CareGraph</title><div id="root"></div>');
    writeFileSync(path.join(dist.path, 'app.js'), 'console.log(1)');
    testApp = await createTestApp({ CAREGRAPH_WEB_DIST: dist.path });
  });

  after(async () => {
    await testApp.close();
    dist.remove();
  });

  it("opens the app's page for a reloaded or bookmarked route", async () => {
    for (const url of ['/patients', '/patients/p1/journey', '/sign-in?returnTo=%2Fpatients']) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(response.statusCode, 200, url);
      assert.match(response.headers['content-type'] ?? '', /^text\/html/);
      assert.match(response.body, /<div id="root">/);
    }
  });

  it('serves files, and keeps 404 problems for API paths, missing files and non-HTML requests', async () => {
    assert.equal((await testApp.app.inject({ method: 'GET', url: '/app.js' })).statusCode, 200);
    for (const [url, accept] of [
      ['/api/nothing-here', HTML],
      ['/fhir/R4/NoSuchType/x', HTML],
      ['/missing.js', HTML],
      ['/patients', 'application/json'],
    ] as const) {
      const response = await testApp.app.inject({ method: 'GET', url, headers: { accept } });
      // The FHIR API asks for credentials before it says what does not exist.
      assert.equal(response.statusCode, url.startsWith('/fhir/') ? 401 : 404, url);
      assert.doesNotMatch(response.body, /<div id="root">/, url);
    }
  });
});
