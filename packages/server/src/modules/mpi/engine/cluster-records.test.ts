import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterIndexedPairs, clusterRecords } from './cluster-records.ts';
import { buildPatient } from './engine-test-support.ts';
import { toMatchRecord } from './normalise-patient.ts';
import type { PairScore } from './types.ts';

const records = (ids: string[], source = '') => ids.map((id) => toMatchRecord(buildPatient({ id, source })));
const pair = (a: string, b: string, probability: number) => ({
  a,
  b,
  score: { weight: Math.log2(probability / (1 - probability)), probability, grade: 'certain', fields: [] } as PairScore,
});
const sorted = (clusters: string[][]) =>
  clusters.map((members) => [...members].sort()).sort((x, y) => (x[0] ?? '').localeCompare(y[0] ?? ''));

describe('clusterRecords', () => {
  it('does not chain A and C through B when A and C clearly differ', () => {
    const clusters = clusterRecords(records(['a', 'b', 'c']), [
      pair('a', 'b', 0.999),
      pair('b', 'c', 0.998),
      pair('a', 'c', 0.0001),
    ]);
    assert.deepEqual(sorted(clusters), [['a', 'b'], ['c']]);
  });

  it('merges a group whose members mostly agree', () => {
    const clusters = clusterRecords(records(['a', 'b', 'c', 'd']), [
      pair('a', 'b', 0.999),
      pair('a', 'c', 0.99),
      pair('b', 'c', 0.95),
      pair('c', 'd', 0.97),
      pair('a', 'd', 0.9),
      pair('b', 'd', 0.1),
    ]);
    assert.deepEqual(sorted(clusters), [['a', 'b', 'c', 'd']]);
  });

  it('returns every record once, unlinked ones alone', () => {
    const clusters = clusterRecords(records(['a', 'b', 'c']), [pair('a', 'b', 0.2)]);
    assert.deepEqual(sorted(clusters), [['a'], ['b'], ['c']]);
  });

  it('honours manual links and separations over the scores', () => {
    const clusters = clusterRecords(records(['a', 'b', 'c', 'd']), [pair('a', 'b', 0.999), pair('c', 'd', 0.01)], {
      fixedLinks: [['c', 'd']],
      fixedSeparations: [['a', 'b']],
    });
    assert.deepEqual(sorted(clusters), [['a'], ['b'], ['c', 'd']]);
  });

  it('keeps one record per source system unless that source has duplicates of its own', () => {
    const clean = [...records(['h1', 'h2'], 'urn:hospital'), ...records(['g1'], 'urn:gp')];
    const one = clusterRecords(clean, [pair('h1', 'g1', 0.999), pair('h2', 'g1', 0.99), pair('h1', 'h2', 0.5)]);
    assert.deepEqual(sorted(one), [['g1', 'h1'], ['h2']]);

    const singleSource = records(['a', 'b', 'c'], 'urn:registration');
    const deduplicated = clusterRecords(singleSource, [
      pair('a', 'b', 0.999),
      pair('b', 'c', 0.99),
      pair('a', 'c', 0.95),
    ]);
    assert.deepEqual(sorted(deduplicated), [['a', 'b', 'c']]);
  });
});

describe('clusterIndexedPairs', () => {
  it('clusters pairs given by record index as clusterRecords does, a repeated pair counting once', () => {
    const people = records(['a', 'b', 'c', 'd']);
    const scored = [pair('a', 'b', 0.999), pair('b', 'c', 0.998), pair('a', 'c', 0.0001), pair('c', 'd', 0.95)];
    const indexOf = (id: string) => people.findIndex((record) => record.id === id);
    // The a–c pair is listed twice: counted once, it still outweighs nothing else.
    const listed = [...scored, pair('a', 'c', 0.0001)];
    const indexed = {
      left: Int32Array.from(listed, (entry) => indexOf(entry.a)),
      right: Int32Array.from(listed, (entry) => indexOf(entry.b)),
      probability: Float64Array.from(listed, (entry) => entry.score.probability),
      weight: Float32Array.from(listed, (entry) => entry.score.weight),
      count: listed.length,
    };
    assert.deepEqual(sorted(clusterIndexedPairs(people, indexed)), sorted(clusterRecords(people, scored)));
    assert.deepEqual(sorted(clusterIndexedPairs(people, indexed)), [
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
