import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementLogLines, statementTableLines, type ShapeStatementStats } from './statement-stats.ts';

const stats: ShapeStatementStats = {
  statements: [
    {
      query: 'SELECT a | b FROM mpi_block_key WHERE tenant_id = $1',
      callsPerRequest: 1,
      planMs: 0.123,
      execMs: 2.5,
      sharedHits: 410.5,
      sharedReads: 0,
      rowsPerCall: 37,
      shareOfTime: 0.314,
    },
  ],
  totalPerRequest: { calls: 17.9, planMs: 1.234, execMs: 6.789 },
};

describe('statementTableLines', () => {
  it("gives each window's totals, then its statements with the pipe escaped", () => {
    assert.deepEqual(statementTableLines([{ label: 'postgres create', stats }]), [
      '| window | share of time | calls/req | plan ms | exec ms | buffers hit / read per call | statement |',
      '|---|---:|---:|---:|---:|---:|---|',
      '| postgres create | all | 17.9 | 1.23 | 6.79 | | |',
      '| postgres create | 31% | 1 | 0.12 | 2.5 | 411 / 0 | `SELECT a \\| b FROM mpi_block_key WHERE tenant_id = $1` |',
    ]);
  });
});

describe('statementLogLines', () => {
  it('gives the totals per request, then one line per statement', () => {
    assert.deepEqual(statementLogLines('create', stats), [
      'create statements per request: 17.9, planning 1.234 ms, execution 6.789 ms',
      '  31% 1/req plan 0.123 exec 2.5 ms hit 410.5 read 0: SELECT a | b FROM mpi_block_key WHERE tenant_id = $1',
    ]);
  });
});
