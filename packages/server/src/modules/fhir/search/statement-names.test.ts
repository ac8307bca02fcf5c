import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAMED_STATEMENTS, searchStatement } from './statement-names.ts';

describe('searchStatement', () => {
  it('names a statement after its text, the same every time', () => {
    const first = searchStatement('SELECT 1 WHERE $1 = 1');
    assert.match(first.name ?? '', /^fhir_search_[\w-]{32}$/);
    assert.deepEqual(searchStatement('SELECT 1 WHERE $1 = 1'), first);
    assert.notEqual(searchStatement('SELECT 2 WHERE $1 = 1').name, first.name);
  });

  it('runs texts past the cap unnamed, and keeps naming the ones it has', () => {
    const kept = searchStatement('SELECT 3');
    for (let index = 0; index < MAX_NAMED_STATEMENTS; index++) {
      searchStatement(`SELECT ${index} AS filler`);
    }
    assert.deepEqual(searchStatement('SELECT 4 AS past_the_cap'), {});
    assert.deepEqual(searchStatement('SELECT 3'), kept);
  });
});
