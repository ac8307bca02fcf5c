import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRecordSearch,
  buildSortKeys,
  buildWhere,
  dateCondition,
  halfPrecision,
  orderByClause,
  SqlParams,
} from './build-sql.ts';
import { toDateRange } from './date-range.ts';
import { parseSearchQuery } from './parse-query.ts';
import type { Prefix } from './search-values.ts';

/** Asserts every parameter handed out appears in the SQL: PostgreSQL rejects statements with unused ones. */
function assertEveryParamUsed(sql: string, params: SqlParams, label: string): void {
  for (let index = 1; index <= params.values.length; index++) {
    assert.match(sql, new RegExp(`\\$${index}(?!\\d)`), `${label}: $${index} is unused in ${sql}`);
  }
}

const PREFIXES: Prefix[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

describe('dateCondition', () => {
  it('adds only the parameters its comparison uses, for every prefix', () => {
    const range = toDateRange('2020-03');
    assert.ok(range);
    for (const prefix of PREFIXES) {
      const params = new SqlParams();
      assertEveryParamUsed(dateCondition(prefix, range, 'x.low', 'x.high', params), params, prefix);
    }
  });

  it('compares against the ends of the search range as R4 defines each prefix', () => {
    const range = { low: 'L', high: 'H' };
    const sql = (prefix: Prefix) => {
      const params = new SqlParams();
      const text = dateCondition(prefix, range, 'lo', 'hi', params);
      // Replace placeholders by the values they stand for, to read the comparison.
      return text.replace(/\$(\d+)::timestamptz/g, (_match, index: string) => String(params.values[Number(index) - 1]));
    };
    assert.equal(sql('eq'), '(lo >= L AND lo <= H AND hi <= H)');
    assert.equal(sql('ne'), 'NOT (lo >= L AND lo <= H AND hi <= H)');
    assert.equal(sql('gt'), 'hi > H');
    assert.equal(sql('lt'), 'lo < L');
    assert.equal(sql('ge'), '(hi > H OR (lo >= L AND lo <= H AND hi <= H))');
    assert.equal(sql('le'), '(lo < L OR (lo >= L AND lo <= H AND hi <= H))');
    assert.equal(sql('sa'), 'lo > H');
    assert.equal(sql('eb'), 'hi < L');
  });
});

describe('halfPrecision', () => {
  it('derives the implicit range of a number from the digits written', () => {
    assert.equal(halfPrecision('100'), 0.5);
    assert.equal(halfPrecision('100.00'), 0.005);
    assert.equal(halfPrecision('0.1'), 0.05);
    assert.equal(halfPrecision('1e2'), 50);
    assert.equal(halfPrecision('1.5E2'), 5);
    assert.equal(halfPrecision('15e-1'), 0.05);
  });
});

describe('buildWhere and buildOrderBy', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    [
      'Patient',
      [
        ['gender', 'female,male'],
        ['family:exact', 'Smith'],
        ['name:contains', 'mi'],
      ],
    ],
    [
      'Patient',
      [
        ['identifier', 'urn:x|1'],
        ['identifier', '|2'],
        ['identifier', 'urn:x|'],
        ['gender:not', 'male'],
      ],
    ],
    [
      'Patient',
      [
        ['birthdate', 'gt2000'],
        ['birthdate', 'lt2010,sa2020'],
        ['_lastUpdated', 'ge2020-01-01T00:00:00Z'],
      ],
    ],
    [
      'Patient',
      [
        ['gender:missing', 'true'],
        ['_id', 'a,b'],
        ['_sort', '-birthdate,family,_id'],
      ],
    ],
    [
      'Observation',
      [
        ['value-quantity', 'gt5|http://unitsofmeasure.org|mg'],
        ['value-quantity', '5.4'],
        ['subject:Patient', '1'],
      ],
    ],
    [
      'Observation',
      [
        ['subject', 'Patient/1,2'],
        ['code:text', 'heart'],
        ['date', 'ap2020-01-01'],
      ],
    ],
    [
      'RiskAssessment',
      [
        ['probability', 'le0.5'],
        ['probability', 'ne0.25'],
      ],
    ],
    [
      'ValueSet',
      [
        ['url:below', 'http://x.org'],
        ['url:above', 'http://x.org/a/b'],
        ['url', 'http://x.org/a'],
      ],
    ],
  ];

  it('uses every parameter it hands out, whatever the criteria', () => {
    for (const [type, query] of cases) {
      const parsed = parseSearchQuery(type, query, false);
      const params = new SqlParams();
      const where = buildWhere(parsed, 't1', 'http://x/fhir/R4', params);
      const orderBy = orderByClause(buildSortKeys(parsed, params));
      assertEveryParamUsed(`${where} ORDER BY ${orderBy}`, params, `${type}?${new URLSearchParams(query).toString()}`);
    }
  });

  it('always ends the ordering with the id so pages are stable', () => {
    const params = new SqlParams();
    assert.match(orderByClause(buildSortKeys(parseSearchQuery('Patient', [], false), params)), /^r\.id ASC$/);
  });

  it('keeps escaped commas and bars in token values until the token is split', () => {
    const params = new SqlParams();
    buildWhere(parseSearchQuery('Patient', [['identifier', 'urn:a\\|b|c\\,d']], false), 't1', 'http://x', params);
    assert.ok(params.values.includes('urn:a|b') && params.values.includes('c,d'), JSON.stringify(params.values));
  });
});

describe('buildRecordSearch', () => {
  const record = (type: string, query: Array<[string, string]>) => {
    const params = new SqlParams();
    const search = buildRecordSearch(parseSearchQuery(type, query, false), 't1', 'http://x/fhir/R4', params);
    return { search, params };
  };

  it('drives a search pinned to a patient from that reference and checks the rest per id', () => {
    const { search, params } = record('Observation', [
      ['subject', 'Patient/1'],
      ['code:text', 'height'],
      ['date', 'ge2020-01-01'],
      ['_id', 'a,b'],
      ['_sort', '-date,_id'],
    ]);
    assert.ok(search);
    assert.match(search.from, /FROM search_reference x WHERE/);
    assert.equal(search.where.match(/EXISTS \(SELECT 1 FROM/g)?.length, 2);
    assert.match(search.where, /m\.id = ANY/);
    assert.deepEqual(
      search.keys.map((key) => key.descending),
      [true, false],
    );
    const keys = search.keys.map((key) => key.expression).join(' ');
    assertEveryParamUsed(`${search.from} ${search.where} ${keys}`, params, 'pinned search');
  });

  it("drives a patient's search with a plain token from that patient's token rows of the code", () => {
    const { search, params } = record('Observation', [
      ['subject', 'Patient/1,Patient/2'],
      ['date', 'ge2020-01-01'],
      ['code', 'http://loinc.org|8302-2'],
      ['_sort', '-date'],
    ]);
    assert.ok(search);
    assert.match(
      search.from,
      /FROM search_token t WHERE t\.referenced_patient = ANY\(ARRAY\[\$\d+, \$\d+, '\*'\]\)\) x WHERE/s,
    );
    assert.ok(params.values.includes('1') && params.values.includes('2'));
    // The reference and the date are checked per id.
    assert.equal(search.where.match(/EXISTS \(SELECT 1 FROM/g)?.length, 2);
    assert.match(search.where, /FROM search_reference x WHERE/);
    const keys = search.keys.map((key) => key.expression).join(' ');
    assertEveryParamUsed(`${search.from} ${search.where} ${keys}`, params, 'patient token search');
  });

  it('drives from the patient token rows for compartments and :Patient, not for other pins', () => {
    const fromTokens = (type: string, query: Array<[string, string]>) =>
      /referenced_patient/.test(record(type, query).search?.from ?? '');
    assert.ok(
      fromTokens('Observation', [
        ['subject:Patient', '1'],
        ['code', '8302-2'],
      ]),
    );
    assert.ok(
      fromTokens('Condition', [
        ['patient', 'Patient/1'],
        ['clinical-status', 'active'],
      ]),
    );
    assert.ok(
      !fromTokens('Observation', [
        ['encounter', 'Encounter/9'],
        ['code', '8302-2'],
      ]),
    );
    assert.ok(
      !fromTokens('Patient', [
        ['link', 'Patient/1'],
        ['gender', 'female'],
      ]),
    );
    assert.ok(
      !fromTokens('Observation', [
        ['subject:Patient.identifier', 'urn:mrn|42'],
        ['code', '8302-2'],
      ]),
    );
    assert.ok(
      !fromTokens('Observation', [
        ['subject', 'Patient/1'],
        ['code:below', 'http://snomed.info/sct|404684003'],
      ]),
    );
    const query = parseSearchQuery('Observation', [['code', '8302-2']], false);
    const compartment = {
      kind: 'compartment' as const,
      codesByType: new Map([['Observation', ['subject', 'performer']]]),
      targetType: 'Patient',
      targetId: '1',
    };
    const params = new SqlParams();
    const search = buildRecordSearch(
      { ...query, criteria: [compartment, ...query.criteria] },
      't1',
      'http://x',
      params,
    );
    assert.match(search?.from ?? '', /referenced_patient/);
    assert.match(search?.where ?? '', /x0\.target_type = \$\d+ AND x0\.target_id = \$\d+/);
  });

  it('pins on type-modified references, compartments and chains to a patient by identifier', () => {
    assert.ok(record('Encounter', [['subject:Patient', '1']]).search);
    assert.ok(record('Observation', [['subject:Patient.identifier', 'urn:mrn|42']]).search);
    assert.ok(record('Observation', [['encounter', 'Encounter/9,Encounter/10']]).search);
  });

  it('leaves every other search to the resource table', () => {
    const unpinned: Array<[string, Array<[string, string]>]> = [
      ['Observation', [['code', 'http://loinc.org|8302-2']]],
      ['Observation', [['performer', 'Practitioner/1']]],
      ['Observation', [['subject', '1']]],
      ['Observation', [['subject:Patient.name', 'smith']]],
      ['Observation', [['subject', 'Patient/1,Practitioner/2']]],
      [
        'Observation',
        [
          ['subject', 'Patient/1'],
          ['code:not', 'x'],
        ],
      ],
      [
        'Observation',
        [
          ['subject', 'Patient/1'],
          ['_lastUpdated', 'ge2020'],
        ],
      ],
      [
        'Observation',
        [
          ['subject', 'Patient/1'],
          ['_sort', '_lastUpdated'],
        ],
      ],
    ];
    for (const [type, query] of unpinned) {
      const { search, params } = record(type, query);
      assert.equal(search, undefined, new URLSearchParams(query).toString());
      assert.equal(params.values.length, 0, 'no parameters are handed out for a search it declines');
    }
  });
});
