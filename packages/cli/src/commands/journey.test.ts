import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProgressLine, formatRebuildSummary } from './journey.ts';

describe('formatRebuildSummary', () => {
  it('counts patients, nodes and edges and says how long it took', () => {
    assert.equal(
      formatRebuildSummary({ patients: 12, nodes: 10234, edges: 30977 }, 4.26),
      'rebuilt the journeys of 12 patients: 10,234 nodes, 30,977 edges in 4.3 s',
    );
  });

  it('speaks in the singular of one', () => {
    assert.equal(
      formatRebuildSummary({ patients: 1, nodes: 1, edges: 1 }, 0.04),
      'rebuilt the journeys of 1 patient: 1 node, 1 edge in 0.0 s',
    );
  });
});

describe('formatProgressLine', () => {
  it('names the tenant and how many resources it holds', () => {
    assert.equal(formatProgressLine({ tenantId: 'demo', done: 0, total: 1234 }), 'rebuilding demo: 1,234 resources');
  });
});
