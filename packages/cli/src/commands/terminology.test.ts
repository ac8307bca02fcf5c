import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLoadSummary, formatProgressLine, formatReleases } from './terminology.ts';

const release = { url: 'http://loinc.org', version: '2.80', concepts: 104232, inactive: 1210, isCurrent: true };

describe('formatLoadSummary', () => {
  it('names the release, its concepts and whether it became current', () => {
    assert.equal(
      formatLoadSummary({ ...release, valueSets: 0, mapElements: 0, codeSystems: [release] }),
      'loaded http://loinc.org|2.80: 104,232 concepts (1,210 inactive), now current',
    );
    assert.equal(
      formatLoadSummary({ ...release, valueSets: 0, mapElements: 0, codeSystems: [{ ...release, isCurrent: false }] }),
      'loaded http://loinc.org|2.80: 104,232 concepts (1,210 inactive), kept as an older release',
    );
  });

  it('counts code systems, value sets and map elements of a FHIR load, in the singular when there is one', () => {
    const other = { ...release, url: 'urn:b', concepts: 1, inactive: 0 };
    assert.equal(
      formatLoadSummary({
        url: release.url,
        version: release.version,
        concepts: 104233,
        inactive: 1210,
        valueSets: 1,
        mapElements: 14,
        codeSystems: [release, other],
      }),
      'loaded 2 code systems (104,233 concepts, 1,210 inactive), 1 value set, 14 concept map elements',
    );
  });
});

describe('formatProgressLine', () => {
  it('says which file is read, then how many concepts are written', () => {
    assert.equal(
      formatProgressLine({ stage: 'read', file: 'LoincTable/Loinc.csv', done: 10, total: 20, concepts: 0 }),
      'reading LoincTable/Loinc.csv',
    );
    assert.equal(
      formatProgressLine({ stage: 'write', file: 'x', done: 10, total: 370000, concepts: 10 }),
      'writing 370,000 concepts',
    );
  });
});

describe('formatReleases', () => {
  it('aligns url, version, a star for the current release and the concept count', () => {
    const loadedAt = new Date(0);
    const base = { name: null, title: null, publisher: null, copyright: null, content: 'complete', loadedAt };
    assert.equal(
      formatReleases([
        { ...base, id: 1, url: 'http://loinc.org', version: '2.81', isCurrent: true, conceptCount: 105000 },
        { ...base, id: 2, url: 'http://loinc.org', version: '2.80', isCurrent: false, conceptCount: 104232 },
      ]),
      [
        'URL               VERSION  CURRENT  CONCEPTS',
        'http://loinc.org  2.81     *        105,000',
        'http://loinc.org  2.80              104,232',
        '',
      ].join('\n'),
    );
    assert.equal(formatReleases([]), 'no code systems loaded\n');
  });
});
