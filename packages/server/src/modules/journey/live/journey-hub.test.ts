import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJourneyNotification } from './journey-hub.ts';

describe('journey notifications', () => {
  it('reads the payload the projection sends', () => {
    assert.deepEqual(
      parseJourneyNotification('{"tenant":"t1","patient":"p1","ref":"Observation/o1","change":"upsert"}'),
      { tenant: 't1', patient: 'p1', ref: 'Observation/o1', change: 'upsert' },
    );
    assert.equal(
      parseJourneyNotification('{"tenant":"t1","patient":"p1","ref":"Observation/o1","change":"delete"}')?.change,
      'delete',
    );
  });

  it('ignores anything else on the channel', () => {
    for (const payload of [
      '',
      'not json',
      'null',
      '[]',
      '{"tenant":"t1","patient":"p1","ref":"o1","change":"upsert"}',
      '{"tenant":"t1","patient":"p1","ref":"Observation/o1","change":"moved"}',
      '{"tenant":1,"patient":"p1","ref":"Observation/o1","change":"upsert"}',
    ]) {
      assert.equal(parseJourneyNotification(payload), undefined, payload);
    }
  });
});
