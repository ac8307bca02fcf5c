import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlParams } from './sql-params.ts';
import { likePrefix, matchKindOfTier, parseTextQuery, prefixConditionSql } from './text-match.ts';

describe('text matching for typeahead and $expand filter', () => {
  it('keeps the typed code and splits the folded text into words', () => {
    assert.deepEqual(parseTextQuery('  Hémoglobine A1c/Total '), {
      code: 'hémoglobine a1c/total',
      folded: 'hemoglobine a1c/total',
      words: ['hemoglobine', 'a1c', 'total'],
    });
    assert.deepEqual(parseTextQuery('/min'), { code: '/min', folded: '/min', words: ['min'] });
    assert.deepEqual(parseTextQuery('%'), { code: '%', folded: '%', words: [] });
    assert.equal(parseTextQuery('   '), undefined);
  });

  it('escapes LIKE wildcards in prefixes', () => {
    assert.equal(likePrefix('10%_a\\b'), '10\\%\\_a\\\\b%');
  });

  it('matches codes by prefix or every word at a word start, with one parameter per value', () => {
    const params = new SqlParams();
    const query = parseTextQuery('type 2 diab');
    assert.ok(query);
    const sql = prefixConditionSql(params, query, 'c');
    assert.equal(
      sql,
      '(lower(c.code) LIKE $1 OR (c.search_text LIKE $2 AND c.search_text ~ $3 AND c.search_text LIKE $4 AND ' +
        'c.search_text ~ $5 AND c.search_text LIKE $6 AND c.search_text ~ $7))',
    );
    assert.deepEqual(params.values, [
      'type 2 diab%',
      '%type%',
      '(^|[^[:alnum:]])type',
      '%2%',
      '(^|[^[:alnum:]])2',
      '%diab%',
      '(^|[^[:alnum:]])diab',
    ]);
    const codeOnly = new SqlParams();
    assert.equal(prefixConditionSql(codeOnly, { code: '%', folded: '%', words: [] }), 'lower(c.code) LIKE $1');
  });

  it('names the kind of match of each tier', () => {
    assert.deepEqual([0, 1, 2, 3].map(matchKindOfTier), ['code', 'code-prefix', 'word-prefix', 'similar']);
  });
});
