import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarise } from './summary.ts';

describe('summarise', () => {
  it('takes the middle value of an odd series and the mean of the middle two of an even one', () => {
    assert.deepEqual(summarise([30, 10, 20]), { count: 3, median: 20, max: 30 });
    assert.deepEqual(summarise([40, 10, 20, 30]), { count: 4, median: 25, max: 40 });
  });

  it('answers NaN for an empty series rather than a made-up number', () => {
    const summary = summarise([]);
    assert.equal(summary.count, 0);
    assert.ok(Number.isNaN(summary.median) && Number.isNaN(summary.max));
  });
});
