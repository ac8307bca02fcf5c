import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialScripts } from './bundle-size.ts';

describe('initialScripts', () => {
  it('lists the entry module and its preloads, once each, and no stylesheets', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="/assets/index-abc.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/react-def.js">
      <link rel="modulepreload" crossorigin href="/assets/index-abc.js">
      <link rel="stylesheet" crossorigin href="/assets/index-123.css">
    </head></html>`;
    assert.deepEqual(initialScripts(html), ['/assets/index-abc.js', '/assets/react-def.js']);
  });
});
