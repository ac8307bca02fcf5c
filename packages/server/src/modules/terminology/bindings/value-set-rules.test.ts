import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMembership,
  hierarchyFilterCodes,
  parseCompose,
  systemsOf,
  ValueSetResolutionError,
  type CompiledValueSet,
  type ConceptFacts,
  type FactsOf,
} from './value-set-rules.ts';

const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const LOCAL = 'urn:example:local-codes';

/** A tiny SNOMED hierarchy: 44054006 (type 2 diabetes) is-a 73211009 (diabetes mellitus); 195967001 (asthma) is not. */
const SNOMED_CONCEPTS: Record<string, { display: string; active: boolean; ancestors: string[] }> = {
  '73211009': { display: 'Diabetes mellitus', active: true, ancestors: ['73211009'] },
  '44054006': { display: 'Diabetes mellitus type 2', active: true, ancestors: ['44054006', '73211009'] },
  '195967001': { display: 'Asthma', active: true, ancestors: ['195967001'] },
  '190330002': { display: 'Retired diabetes concept', active: false, ancestors: ['190330002', '73211009'] },
};

const factsOf: FactsOf = (system, code) => {
  if (system === ICD10CM) {
    return code === 'E11'
      ? { known: true, active: true, display: 'Type 2 diabetes mellitus', ancestors: new Set() }
      : { known: false, active: false, display: undefined, ancestors: new Set() };
  }
  if (system !== SNOMED) {
    return undefined;
  }
  const concept = SNOMED_CONCEPTS[code];
  const facts: ConceptFacts = concept
    ? { known: true, active: concept.active, display: concept.display, ancestors: new Set(concept.ancestors) }
    : { known: false, active: false, display: undefined, ancestors: new Set() };
  return facts;
};

/** Compiles a ValueSet without imports. */
function compile(url: string, valueSet: unknown): CompiledValueSet {
  const parsed = parseCompose(url, valueSet);
  const toRule = ({ valueSetUrls: _urls, ...rule }: (typeof parsed.includes)[number]) => ({ ...rule, valueSets: [] });
  return { url, includes: parsed.includes.map(toRule), excludes: parsed.excludes.map(toRule) };
}

describe('value set membership', () => {
  it('includes every active code of a whole system and reports why others are out', () => {
    const valueSet = compile('urn:vs:conditions', {
      resourceType: 'ValueSet',
      compose: { include: [{ system: SNOMED }, { system: ICD10CM }] },
    });
    assert.deepEqual(checkMembership(valueSet, SNOMED, '44054006', factsOf), {
      isMember: true,
      display: 'Diabetes mellitus type 2',
    });
    assert.equal(checkMembership(valueSet, ICD10CM, 'E11', factsOf).isMember, true);
    assert.deepEqual(checkMembership(valueSet, SNOMED, '999999999', factsOf), {
      isMember: false,
      reason: 'unknown-code',
    });
    assert.deepEqual(checkMembership(valueSet, SNOMED, '190330002', factsOf), { isMember: false, reason: 'inactive' });
    assert.deepEqual(checkMembership(valueSet, LOCAL, 'a', factsOf), { isMember: false, reason: 'system-not-loaded' });
    assert.deepEqual([...systemsOf(valueSet)], [SNOMED, ICD10CM]);
  });

  it('applies is-a and descendent-of filters over the hierarchy, and excludes', () => {
    const valueSet = compile('urn:vs:diabetes', {
      resourceType: 'ValueSet',
      compose: {
        include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }],
        exclude: [{ system: SNOMED, concept: [{ code: '73211009' }] }],
      },
    });
    assert.equal(checkMembership(valueSet, SNOMED, '44054006', factsOf).isMember, true);
    assert.equal(checkMembership(valueSet, SNOMED, '73211009', factsOf).isMember, false, 'excluded');
    assert.deepEqual(checkMembership(valueSet, SNOMED, '195967001', factsOf), {
      isMember: false,
      reason: 'not-in-value-set',
    });
    assert.deepEqual([...hierarchyFilterCodes(valueSet)], ['73211009']);

    const below = compile('urn:vs:below', {
      resourceType: 'ValueSet',
      compose: {
        include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'descendent-of', value: '73211009' }] }],
      },
    });
    assert.equal(checkMembership(below, SNOMED, '73211009', factsOf).isMember, false);
    assert.equal(checkMembership(below, SNOMED, '44054006', factsOf).isMember, true);
  });

  it('takes listed concepts of an unloaded system at the value set word, with their displays', () => {
    const valueSet = compile('urn:vs:local', {
      resourceType: 'ValueSet',
      compose: { include: [{ system: LOCAL, concept: [{ code: 'a', display: 'Alpha' }, { code: 'b' }] }] },
    });
    assert.deepEqual(checkMembership(valueSet, LOCAL, 'a', factsOf), { isMember: true, display: 'Alpha' });
    assert.deepEqual(checkMembership(valueSet, LOCAL, 'c', factsOf), { isMember: false, reason: 'system-not-loaded' });
  });

  it('requires a listed concept of a loaded system to exist and be active there', () => {
    const valueSet = compile('urn:vs:listed', {
      resourceType: 'ValueSet',
      compose: { include: [{ system: SNOMED, concept: [{ code: '44054006' }, { code: '190330002' }, { code: '1' }] }] },
    });
    assert.equal(checkMembership(valueSet, SNOMED, '44054006', factsOf).isMember, true);
    assert.equal(checkMembership(valueSet, SNOMED, '190330002', factsOf).isMember, false);
    assert.equal(checkMembership(valueSet, SNOMED, '1', factsOf).isMember, false);
  });

  it('requires membership of every imported value set', () => {
    const diabetes = compile('urn:vs:diabetes', {
      resourceType: 'ValueSet',
      compose: { include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'is-a', value: '73211009' }] }] },
    });
    const importing: CompiledValueSet = {
      url: 'urn:vs:importing',
      includes: [{ system: undefined, concepts: undefined, filters: [], valueSets: [diabetes] }],
      excludes: [],
    };
    assert.equal(checkMembership(importing, SNOMED, '44054006', factsOf).isMember, true);
    assert.equal(checkMembership(importing, SNOMED, '195967001', factsOf).isMember, false);
    assert.deepEqual([...hierarchyFilterCodes(importing)], ['73211009']);
  });

  it('reads a value set that only carries an expansion as its listed codes', () => {
    const valueSet = compile('urn:vs:expanded', {
      resourceType: 'ValueSet',
      expansion: { contains: [{ system: SNOMED, code: '44054006', contains: [{ system: ICD10CM, code: 'E11' }] }] },
    });
    assert.equal(checkMembership(valueSet, SNOMED, '44054006', factsOf).isMember, true);
    assert.equal(checkMembership(valueSet, ICD10CM, 'E11', factsOf).isMember, true);
    assert.equal(checkMembership(valueSet, SNOMED, '73211009', factsOf).isMember, false);
  });

  it('refuses filters it cannot evaluate and includes without a system or value set', () => {
    assert.throws(
      () =>
        parseCompose('urn:vs:regex', {
          compose: { include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'regex', value: '.*' }] }] },
        }),
      (error: unknown) => error instanceof ValueSetResolutionError && /filter op "regex"/.test(error.message),
    );
    assert.throws(
      () => parseCompose('urn:vs:empty', { compose: { include: [{ concept: [{ code: 'a' }] }] } }),
      ValueSetResolutionError,
    );
    assert.throws(
      () => parseCompose('urn:vs:none', { resourceType: 'ValueSet' }),
      /neither a compose nor an expansion/,
    );
  });
});
