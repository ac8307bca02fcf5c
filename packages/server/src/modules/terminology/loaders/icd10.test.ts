import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConceptInput } from '../store/index.ts';
import { dotIcd10cm, groupOf, linkByPrefix, sectionOf } from './icd10-codes.ts';
import { parseOrderLine } from './icd10.ts';

const line = (code: string, flag: string, short: string, long: string) =>
  `00012 ${code.padEnd(7)} ${flag} ${short.padEnd(60)} ${long}`;

describe('parseOrderLine', () => {
  it('reads the fixed-width fields of the tabular-order file', () => {
    assert.deepEqual(
      parseOrderLine(line('E119', '1', 'Type 2 diabetes mellitus without complications', 'Long'), 'f', 1),
      {
        code: 'E119',
        isHeader: false,
        short: 'Type 2 diabetes mellitus without complications',
        long: 'Long',
      },
    );
    assert.equal(parseOrderLine(line('E11', '0', 'Short', 'Long'), 'f', 1).isHeader, true);
  });

  it('names the field that breaks the layout', () => {
    assert.throws(() => parseOrderLine(line('', '1', 'Short', 'Long'), 'f.txt', 3), {
      message: 'f.txt line 3: column code is empty',
    });
    assert.throws(() => parseOrderLine(line('E119', '2', 'Short', 'Long'), 'f.txt', 4), {
      message: 'f.txt line 4: column header flag is "2", expected 0 or 1',
    });
    assert.throws(() => parseOrderLine(line('E119', '1', 'Short', ''), 'f.txt', 5), {
      message: 'f.txt line 5: column long description is empty',
    });
    assert.throws(() => parseOrderLine(`0001 ${line('E119', '1', 'S', 'L').slice(5)}`, 'f.txt', 6), {
      message: 'f.txt line 6: column order number is "0001 ", expected five digits',
    });
  });
});

describe('ICD-10 codes', () => {
  it('dots ICD-10-CM codes after the category', () => {
    assert.equal(dotIcd10cm('E119'), 'E11.9');
    assert.equal(dotIcd10cm('S0000XA'), 'S00.00XA');
    assert.equal(dotIcd10cm('E11'), 'E11');
    assert.equal(dotIcd10cm('E11.9'), 'E11.9');
  });

  it('links each code to the longest shorter code it starts with', () => {
    const concepts: ConceptInput[] = ['E11', 'E11.6', 'E11.65', 'S00.00', 'S00.00XA', '0DT', '0DTJ4ZZ'].map((code) => ({
      code,
    }));
    linkByPrefix(concepts);
    assert.deepEqual(Object.fromEntries(concepts.map((concept) => [concept.code, concept.parents])), {
      E11: undefined,
      'E11.6': ['E11'],
      'E11.65': ['E11.6'],
      'S00.00': undefined,
      'S00.00XA': ['S00.00'],
      '0DT': undefined,
      '0DTJ4ZZ': ['0DT'],
    });
  });

  it('codes a group by its range and finds the section of a category', () => {
    const single = groupOf('C7A', 'Malignant neuroendocrine tumors (C7A)', 'section', 'C00-D49');
    assert.deepEqual(single, {
      code: 'C7A-C7A',
      display: 'Malignant neuroendocrine tumors',
      kind: 'section',
      parent: 'C00-D49',
      first: 'C7A',
      last: 'C7A',
    });
    const sections = [groupOf('M05-M14', 'Inflammatory polyarthropathies', 'section'), single];
    assert.equal(sectionOf('M06', sections, new Map()), 'M05-M14');
    // M1A sorts after M14, so only the listing places it.
    assert.equal(sectionOf('M1A', sections, new Map()), undefined);
    assert.equal(sectionOf('M1A', sections, new Map([['M1A', 'M05-M14']])), 'M05-M14');
  });
});
