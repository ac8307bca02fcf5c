import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snomedOrderKey, withoutSemanticTag } from './snomed.ts';

describe('withoutSemanticTag', () => {
  it('drops only the trailing semantic tag', () => {
    assert.equal(withoutSemanticTag('Diabetes mellitus type 2 (disorder)'), 'Diabetes mellitus type 2');
    assert.equal(withoutSemanticTag('Hemoglobin (Hb) measurement (procedure)'), 'Hemoglobin (Hb) measurement');
    assert.equal(withoutSemanticTag('No tag'), 'No tag');
  });
});

describe('snomedOrderKey', () => {
  it('orders SNOMED CT versions by effective time whatever the edition module', () => {
    assert.equal(snomedOrderKey('http://snomed.info/sct/731000124108/version/20250301'), '20250301');
    assert.ok(
      snomedOrderKey('http://snomed.info/sct/731000124108/version/20250301') >
        snomedOrderKey('http://snomed.info/sct/900000000000207008/version/20250101'),
    );
  });
});
