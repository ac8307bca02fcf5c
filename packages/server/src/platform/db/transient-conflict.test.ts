import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransientConflict, retryTransientConflicts } from './transient-conflict.ts';

const conflict = (code: string) => Object.assign(new Error(`conflict ${code}`), { code });

describe('retrying transient conflicts', () => {
  it('recognises deadlocks and serialisation failures, and nothing else', () => {
    assert.equal(isTransientConflict(conflict('40P01')), true);
    assert.equal(isTransientConflict(conflict('40001')), true);
    assert.equal(isTransientConflict(conflict('23505')), false);
    assert.equal(isTransientConflict(new Error('no code')), false);
    assert.equal(isTransientConflict('40P01'), false);
  });

  it('runs the work again after a conflict and returns what the successful run returns', async () => {
    let runs = 0;
    const result = await retryTransientConflicts(async () => {
      runs++;
      if (runs < 3) {
        throw conflict('40P01');
      }
      return 'stored';
    });
    assert.equal(result, 'stored');
    assert.equal(runs, 3);
  });

  it('throws any other error at once', async () => {
    let runs = 0;
    await assert.rejects(
      retryTransientConflicts(async () => {
        runs++;
        throw conflict('23505');
      }),
      /conflict 23505/,
    );
    assert.equal(runs, 1);
  });

  it('gives up after the last attempt with the conflict itself', async () => {
    let runs = 0;
    await assert.rejects(
      retryTransientConflicts(async () => {
        runs++;
        throw conflict('40001');
      }, 3),
      /conflict 40001/,
    );
    assert.equal(runs, 3);
  });
});
