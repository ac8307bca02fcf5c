import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWarmUpLines, type SearchModeReport } from './report.ts';

const reportWith = (serverWarmUp: SearchModeReport['serverWarmUp']) =>
  ({ mode: 'postgres', serverWarmUp }) as SearchModeReport;

describe('serverWarmUpLines', () => {
  it("gives each shape's warm-up latency, marked as unmeasured start-up", () => {
    const lines = serverWarmUpLines([
      reportWith([
        { shape: 'a', operations: 2400, errors: 0, p50Ms: 14.2, p99Ms: 281.2 },
        { shape: 'b', operations: 4100, errors: 0, p50Ms: 9.1, p99Ms: 50.9 },
      ]),
    ]);
    assert.deepEqual(lines, [
      '',
      "postgres: the server's warm-up, unmeasured (start-up, not steady state): (a) p50 14.2 / p99 281 ms, (b) p50 9.1 / p99 50.9 ms.",
    ]);
  });

  it('says nothing for reports from before the warm-up', () => {
    assert.deepEqual(serverWarmUpLines([reportWith(undefined)]), []);
  });
});
