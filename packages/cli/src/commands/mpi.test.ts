import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import type { DedupeReport } from '@caregraph/core/domain';
import type { ExitStatus } from '../exit-status.ts';
import {
  formatBand,
  formatDedupeProgressLine,
  formatDedupeReport,
  formatModelVersion,
  formatTrainProgressLine,
  parseModelVersion,
  registerMpiCommand,
  resolveTenant,
  type MpiService,
} from './mpi.ts';

const REPORT: DedupeReport = {
  runId: 'run-1',
  records: 5000,
  candidatePairs: 123456,
  oversizedBlocks: 2,
  clusters: 2010,
  multiRecordClusters: 1160,
  bands: [
    { min: 0.3, max: 0.9, pairs: 40, expectedMatches: 21.5 },
    { min: 0.9, max: 1, pairs: 6500, expectedMatches: 6480.25 },
  ],
  linkedPairs: 6500,
  reviewPairs: 40,
  estimatedPrecision: 0.9969,
  estimatedRecall: 0.9967,
  modelVersion: 3,
  seconds: 12.34,
  resumed: true,
};

/** A service that fails the test if any command reaches it. */
const UNREACHABLE: MpiService = {
  dedupeTenant: () => assert.fail('dedupe must not run'),
  trainTenantModel: () => assert.fail('train must not run'),
  listModelVersions: () => assert.fail('models must not run'),
  activateModel: () => assert.fail('rollback must not run'),
};

function program(): Command {
  // Commander's own error lines would only clutter the test output; the rejections carry them.
  const root = new Command('caregraph').exitOverride().configureOutput({ writeErr: () => {} });
  registerMpiCommand(root, { code: 0 } satisfies ExitStatus, UNREACHABLE);
  return root;
}

describe('formatDedupeReport', () => {
  it('prints records, candidate pairs, clusters, the bands from high to low and the estimates', () => {
    assert.equal(
      formatDedupeReport(REPORT),
      [
        'deduplicated 5,000 records (resumed) in 12.3 s with model version 3',
        'candidate pairs: 123,456 (2 oversized blocks skipped)',
        'clusters: 2,010 (1,160 with more than one record)',
        'linked pairs: 6,500, sent to review: 40',
        'pairs per score band:',
        '  0.90–1.00: 6,500 pairs (6480.3 expected matches)',
        '  0.30–0.90: 40 pairs (21.5 expected matches)',
        'estimated precision 99.7%, recall 99.7% (from the model, not from labels)',
      ].join('\n'),
    );
  });

  it('says nothing of resuming or oversized blocks when there were none', () => {
    const text = formatDedupeReport({ ...REPORT, resumed: false, oversizedBlocks: 0 });
    assert.match(text, /^deduplicated 5,000 records in 12\.3 s/);
    assert.match(text, /^candidate pairs: 123,456$/m);
  });
});

describe('formatBand and formatDedupeProgressLine', () => {
  it('speak in the singular of one pair and count with separators', () => {
    assert.equal(
      formatBand({ min: 0, max: 0.01, pairs: 1, expectedMatches: 0 }),
      '0.00–0.01: 1 pair (0.0 expected matches)',
    );
    assert.equal(
      formatDedupeProgressLine({ runId: 'run-1', phase: 'score', done: 1200, total: 56000 }),
      'score: 1,200/56,000',
    );
  });
});

describe('formatTrainProgressLine', () => {
  it('names the training step', () => {
    assert.equal(formatTrainProgressLine({ step: 'em:dob', done: 2, total: 6 }), 'training: em:dob');
  });
});

describe('formatModelVersion', () => {
  it('names the version, whether it is active, when and on how many records it was trained', () => {
    assert.equal(
      formatModelVersion({
        version: 3,
        trainedAt: '2026-11-23T10:00:00.000Z',
        active: true,
        thresholds: { lower: 0.3, upper: 0.9 },
        records: 5000,
      }),
      'version 3 (active) trained 2026-11-23T10:00:00.000Z on 5,000 records, thresholds 0.30/0.90',
    );
  });
});

describe('argument handling', () => {
  it('accepts a positive integer model version and refuses anything else, naming it', () => {
    assert.equal(parseModelVersion('12'), 12);
    for (const text of ['0', '-1', '1.5', 'latest', '']) {
      assert.throws(() => parseModelVersion(text), new RegExp(`invalid model version "${text}"`));
    }
  });

  it('takes the tenant from --tenant, else CAREGRAPH_TENANT, else "demo", and refuses a bad id', () => {
    assert.equal(resolveTenant('north', {}), 'north');
    assert.equal(resolveTenant(undefined, { CAREGRAPH_TENANT: 'south' }), 'south');
    assert.equal(resolveTenant(undefined, {}), 'demo');
    assert.throws(() => resolveTenant('Not_A_Tenant', {}), /invalid tenant id "Not_A_Tenant"/);
  });

  it('refuses a bad version or tenant before opening any database', async () => {
    await assert.rejects(
      program().parseAsync(['node', 'caregraph', 'mpi', 'rollback', 'two']),
      /invalid model version "two"/,
    );
    await assert.rejects(
      program().parseAsync(['node', 'caregraph', 'mpi', 'dedupe', '--tenant', 'Bad Tenant', '--no-progress']),
      /invalid tenant id "Bad Tenant"/,
    );
  });

  it('requires the version of rollback', async () => {
    await assert.rejects(
      program().parseAsync(['node', 'caregraph', 'mpi', 'rollback']),
      /missing required argument 'version'/,
    );
  });
});
