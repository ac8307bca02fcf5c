import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../../platform/db/index.ts';
import { createTestApp, type TestApp } from '../../../test/create-test-app.ts';
import { parseTextQuery } from '../operations/text-match.ts';
import { searchConcepts } from '../typeahead/search-concepts.ts';
import { beginRelease, finishRelease, writeConcepts, type ConceptInput } from './index.ts';

describe('term_word follows the concepts it is derived from', () => {
  let testApp: TestApp;
  const url = `urn:caregraph:test:words:${randomBytes(4).toString('hex')}`;

  before(async () => {
    testApp = await createTestApp();
  });

  after(async () => {
    await testApp.db.query('DELETE FROM term_word WHERE system_id IN (SELECT id FROM term_system WHERE url = $1)', [
      url,
    ]);
    await testApp.db.query('DELETE FROM term_system WHERE url = $1', [url]);
    await testApp.close();
  });

  const write = (db: Database, version: string, concepts: ConceptInput[]) =>
    db.transaction(async (tx) => {
      const release = await beginRelease(tx, { url, version });
      await writeConcepts(tx, release.id, concepts);
      await finishRelease(tx, release);
    });

  const find = async (text: string) => {
    const query = parseTextQuery(text);
    assert.ok(query);
    const found = await searchConcepts(
      { db: testApp.db, fetch: () => Promise.reject(new Error('no FHIR resources are read')) },
      { query, count: 20, systems: [url] },
    );
    return found.map((item) => [item.code, item.matchedOn, item.inactive]);
  };

  const wordsOf = async (code: string) => {
    const { rows } = await testApp.db.query<{ word: string; is_first: boolean; active: boolean }>(
      `SELECT w.word, w.is_first, w.active FROM term_word w JOIN term_system s ON s.id = w.system_id
       WHERE s.url = $1 AND s.is_current AND w.code = $2 ORDER BY w.word`,
      [url, code],
    );
    return rows.map((row) => [row.word, row.is_first, row.active]);
  };

  it('writes, rewrites and carries over the words of a concept with its display and synonyms', async () => {
    // 1. Words of three letters or more, once each, folded; the first word of the display is marked.
    await write(testApp.db, '1', [
      { code: 'A1', display: 'Protein, total (Protein)', designations: [{ value: 'Prot tot' }] },
      { code: 'B2', display: 'Éther of lipid' },
    ]);
    assert.deepEqual(await wordsOf('A1'), [
      ['prot', false, true],
      ['protein', true, true],
      ['tot', false, true],
      ['total', false, true],
    ]);
    assert.deepEqual(await find('eth'), [['B2', 'word-prefix', false]]);

    // 2. Writing the concept again replaces its words.
    await write(testApp.db, '1', [{ code: 'A1', display: 'Albumin' }]);
    assert.deepEqual(await wordsOf('A1'), [['albumin', true, true]]);
    assert.deepEqual(await find('pro'), []);

    // 3. A newer release without A1 carries it over as inactive, words included.
    await write(testApp.db, '2', [{ code: 'B2', display: 'Ether of lipid' }]);
    assert.deepEqual(await wordsOf('A1'), [['albumin', true, false]]);
    assert.deepEqual(await find('alb'), [['A1', 'word-prefix', true]]);
  });
});
