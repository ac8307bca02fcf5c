import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conceptsOf } from './fhir-resources.ts';

describe('conceptsOf', () => {
  it('collects parents from nesting, parent and child properties, and repeated properties as arrays', () => {
    const concepts = conceptsOf(
      {
        resourceType: 'CodeSystem',
        status: 'active',
        content: 'complete',
        url: 'urn:test',
        concept: [
          { code: 'a', concept: [{ code: 'b' }] },
          {
            code: 'c',
            property: [
              { code: 'parent', valueCode: 'a' },
              { code: 'child', valueCode: 'd' },
            ],
          },
          {
            code: 'd',
            property: [
              { code: 'inactive', valueBoolean: true },
              { code: 'tag', valueString: 'x' },
              { code: 'tag', valueString: 'y' },
            ],
          },
        ],
      },
      'test.json',
    );

    assert.deepEqual(
      concepts.map((concept) => [concept.code, concept.parents, concept.active]),
      [
        ['a', [], true],
        ['b', ['a'], true],
        ['c', ['a'], true],
        ['d', ['c'], false],
      ],
    );
    assert.deepEqual(concepts[3]?.properties, { inactive: true, tag: ['x', 'y'] });
  });
});
