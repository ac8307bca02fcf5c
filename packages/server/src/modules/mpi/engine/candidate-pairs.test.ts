import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingKeys } from './blocking.ts';
import { candidatePairChunks, candidatePairs, forEachCandidatePair } from './candidate-pairs.ts';
import { buildPatient, syntheticPopulation } from './engine-test-support.ts';
import { toMatchRecord } from './normalise-patient.ts';
import type { MatchRecord } from './types.ts';

/** Every pair sharing a key, found the slow way. */
function pairsSharingAKey(records: readonly MatchRecord[]): Set<string> {
  const keys = records.map((record) => new Set(blockingKeys(record)));
  const pairs = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    for (let j = i + 1; j < records.length; j++) {
      if ([...(keys[i] ?? [])].some((key) => keys[j]?.has(key))) {
        pairs.add(`${i}:${j}`);
      }
    }
  }
  return pairs;
}

describe('streamed candidate pairs', () => {
  const records = syntheticPopulation(150, 3).map(toMatchRecord);

  it('visits exactly the pairs that share a blocking key, each once, lower index first', () => {
    const visited: string[] = [];
    const summary = forEachCandidatePair(records, (left, right) => {
      assert.ok(left < right);
      visited.push(`${left}:${right}`);
    });
    assert.equal(new Set(visited).size, visited.length);
    assert.deepEqual(new Set(visited), pairsSharingAKey(records));
    assert.equal(summary.candidateCount, visited.length);
    assert.equal(
      summary.keyCount,
      records.reduce((sum, record) => sum + blockingKeys(record).length, 0),
    );
  });

  it('yields chunks of at most the chunk size whose pairs add up to the candidate count', () => {
    const chunks = candidatePairChunks(records, { chunkSize: 7 });
    let pairs = 0;
    let step = chunks.next();
    for (; !step.done; step = chunks.next()) {
      assert.ok(step.value.length <= 14 && step.value.length % 2 === 0);
      pairs += step.value.length / 2;
    }
    assert.equal(step.value.candidateCount, pairs);
    assert.equal(pairs, candidatePairs(records).candidateCount);
  });

  it('pairs each record of an oversized block with its name-order neighbours only', () => {
    const crowd = Array.from({ length: 300 }, (_, index) =>
      toMatchRecord(buildPatient({ id: `r${index}`, given: `Given${index}`, family: 'Same', birthDate: '2000-01-01' })),
    );
    const summary = forEachCandidatePair(crowd, () => undefined, { maxBlockSize: 50 });
    assert.ok(summary.oversizedBlocks > 0);
    // At most 20 neighbours after each record in each oversized block, instead of all 44,850 pairs.
    assert.ok(summary.candidateCount <= 300 * 20 * summary.oversizedBlocks);
    assert.ok(summary.candidateCount < (300 * 299) / 2);
  });

  it('keeps record ids in the tuple form', () => {
    const { pairs } = candidatePairs(records);
    const ids = new Set(records.map((record) => record.id));
    assert.ok(pairs.every(([a, b]) => ids.has(a) && ids.has(b) && a !== b));
  });
});
