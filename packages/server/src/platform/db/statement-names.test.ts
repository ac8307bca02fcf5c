import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchStatement } from '../../modules/fhir/search/statement-names.ts';
import { statementNamer } from './statement-names.ts';

describe('statementNamer', () => {
  it('names a statement after its text, the same every time', () => {
    const name = statementNamer('test', 10);
    const first = name('SELECT 1 WHERE $1 = 1');
    assert.match(first.name ?? '', /^test_[\w-]{32}$/);
    assert.deepEqual(name('SELECT 1 WHERE $1 = 1'), first);
    assert.notEqual(name('SELECT 2 WHERE $1 = 1').name, first.name);
  });

  it('runs texts past the cap unnamed, and keeps naming the ones it has', () => {
    const name = statementNamer('test', 3);
    const kept = name('SELECT 3');
    for (let index = 0; index < 3; index++) {
      name(`SELECT ${index} AS filler`);
    }
    assert.deepEqual(name('SELECT 4 AS past_the_cap'), {});
    assert.deepEqual(name('SELECT 3'), kept);
  });

  it('keeps a cap per namer: a full one does not stop search statements being named', () => {
    const full = statementNamer('full', 0);
    assert.deepEqual(full('SELECT 5'), {});
    assert.match(searchStatement('SELECT 5').name ?? '', /^fhir_search_[\w-]{32}$/);
  });
});
