import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { decide, defaultModel, scorePair, toMatchRecord } from '../../packages/server/src/modules/mpi/engine/index.ts';
import {
  bigPatientClone,
  cloneResources,
  loadSources,
  planClones,
  regularClone,
  samplePatient,
  scramble,
  shiftDate,
  uuidV5,
  type ClonedResource,
} from './clone-synthea.ts';

const sources = loadSources();

function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item) => references(item, found));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') {
        found.push(child);
      } else {
        references(child, found);
      }
    }
  }
  return found;
}

function keys(resources: ClonedResource[]): Set<string> {
  return new Set(resources.map((item) => `${item.resourceType}/${item.id}`));
}

describe('shiftDate', () => {
  it('moves dates, dateTimes and instants by whole days and keeps time and offset', () => {
    assert.equal(shiftDate('2020-03-01', -1), '2020-02-29');
    assert.equal(shiftDate('1999-11-12T11:44:32+00:00', -10), '1999-11-02T11:44:32+00:00');
    assert.equal(shiftDate('2019-05-31T16:32:53.118Z', 1), '2019-06-01T16:32:53.118Z');
  });

  it('leaves strings that are not full dates alone', () => {
    for (const value of ['2019', '2019-05', '999-11-8522', '2019-05-31 text']) {
      assert.equal(shiftDate(value, 30), value);
    }
  });
});

describe('uuidV5', () => {
  it('is deterministic, version 5 and different per name', () => {
    const id = uuidV5('c1/abc');
    assert.equal(id, uuidV5('c1/abc'));
    assert.notEqual(id, uuidV5('c2/abc'));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('cloneResources', () => {
  it('gives every resource a new id and points every reference at a resource of the same clone', () => {
    const resources = cloneResources(regularClone(3, sources.length), sources);
    const stored = keys(resources);
    const originalIds = new Set(sources[3]?.entries.map((entry) => entry.originalId));
    assert.equal(stored.size, resources.length);
    for (const { id, resource } of resources) {
      assert.ok(!originalIds.has(id));
      for (const reference of references(resource)) {
        assert.ok(reference.startsWith('#') || stored.has(reference), `dangling ${reference}`);
      }
    }
  });

  it('makes two clones of one source disjoint, with other names, dates and identifiers', () => {
    const first = cloneResources(regularClone(0, sources.length), sources);
    const second = cloneResources(regularClone(sources.length, sources.length), sources);
    const firstKeys = keys(first);
    assert.ok(second.every((item) => !firstKeys.has(`${item.resourceType}/${item.id}`)));
    const [a, b] = [samplePatient(first), samplePatient(second)];
    assert.notEqual(a.family, b.family);
    assert.notEqual(a.birthDate, b.birthDate);
    assert.notEqual(a.identifier?.value, b.identifier?.value);
    assert.equal(a.identifier?.system, b.identifier?.system);
  });

  it('scrambles a value into another of the same format, the same every time', () => {
    const value = scramble('c1', '999-84-4261');
    assert.match(value, /^\d{3}-\d{2}-\d{4}$/);
    assert.equal(scramble('c1', '999-84-4261'), value);
    assert.notEqual(scramble('c2', '999-84-4261'), value);
    assert.match(scramble('c1', 'X49293307X'), /^[A-Z]\d{8}[A-Z]$/);
  });

  it("makes every clone of a source a different person to the master patient index's default model", () => {
    const patientOf = (index: number) =>
      cloneResources(regularClone(index, sources.length), sources).find((item) => item.resourceType === 'Patient')!
        .resource as unknown as Patient;
    const [first, second] = [patientOf(0), patientOf(sources.length)];
    assert.notDeepEqual(first.name?.[0]?.given, second.name?.[0]?.given);
    assert.notDeepEqual(first.address?.[0]?.line, second.address?.[0]?.line);
    assert.notDeepEqual(first.telecom, second.telecom);
    assert.match(first.address?.[0]?.line?.[0] ?? '', /^1 \D/);
    const model = defaultModel();
    for (const other of [sources.length, 2 * sources.length, 7 * sources.length]) {
      const score = scorePair(model, toMatchRecord(first), toMatchRecord(patientOf(other)));
      assert.equal(decide(model, score), 'separate', `clone ${other}: ${score.probability}`);
    }
  });

  it('merges the big patient onto one Patient with at least 2,000 resources in its compartment', () => {
    const big = bigPatientClone(sources, 2000);
    const resources = cloneResources(big, sources);
    const patients = resources.filter((item) => item.resourceType === 'Patient');
    assert.equal(patients.length, 1);
    const patient = `Patient/${patients[0]!.id}`;
    const inCompartment = resources.filter(
      (item) => item.resourceType === 'Patient' || references(item.resource).includes(patient),
    );
    assert.ok(inCompartment.length >= 2000, `${inCompartment.length} resources`);
    assert.equal(keys(resources).size, resources.length);
  });
});

describe('planClones', () => {
  it('adds clones until the resource target is met', () => {
    const plan = planClones(sources, { minPatients: 10, minResources: 50_000, bigPatientResources: 2000 });
    assert.ok(plan.resources >= 50_000);
    assert.ok(plan.specs.length >= 10);
    const counted = [plan.big, ...plan.specs].reduce((sum, spec) => sum + cloneResources(spec, sources).length, 0);
    assert.equal(counted, plan.resources);
  });
});
