import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spanRange, toDateRange } from './date-range.ts';

describe('toDateRange', () => {
  it('covers a whole year for a year', () => {
    assert.deepEqual(toDateRange('2020'), { low: '2020-01-01T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
  });

  it('covers a whole month for a month, including the 29th of February in a leap year', () => {
    assert.deepEqual(toDateRange('2020-02'), { low: '2020-02-01T00:00:00.000Z', high: '2020-02-29T23:59:59.999Z' });
    assert.deepEqual(toDateRange('2021-02'), { low: '2021-02-01T00:00:00.000Z', high: '2021-02-28T23:59:59.999Z' });
    assert.deepEqual(toDateRange('2020-12'), { low: '2020-12-01T00:00:00.000Z', high: '2020-12-31T23:59:59.999Z' });
  });

  it('covers a whole day for a date', () => {
    assert.deepEqual(toDateRange('2020-03-05'), { low: '2020-03-05T00:00:00.000Z', high: '2020-03-05T23:59:59.999Z' });
    assert.deepEqual(toDateRange('2020-02-29'), { low: '2020-02-29T00:00:00.000Z', high: '2020-02-29T23:59:59.999Z' });
  });

  it('covers a minute when the time has no seconds', () => {
    assert.deepEqual(toDateRange('2020-03-05T10:30Z'), {
      low: '2020-03-05T10:30:00.000Z',
      high: '2020-03-05T10:30:59.999Z',
    });
  });

  it('covers a second when the time has seconds', () => {
    assert.deepEqual(toDateRange('2020-03-05T10:30:15Z'), {
      low: '2020-03-05T10:30:15.000Z',
      high: '2020-03-05T10:30:15.999Z',
    });
  });

  it('narrows the range with each digit of a fraction, down to the millisecond', () => {
    assert.deepEqual(toDateRange('2020-03-05T10:30:15.1Z'), {
      low: '2020-03-05T10:30:15.100Z',
      high: '2020-03-05T10:30:15.199Z',
    });
    assert.deepEqual(toDateRange('2020-03-05T10:30:15.12Z'), {
      low: '2020-03-05T10:30:15.120Z',
      high: '2020-03-05T10:30:15.129Z',
    });
    assert.deepEqual(toDateRange('2020-03-05T10:30:15.123456Z'), {
      low: '2020-03-05T10:30:15.123Z',
      high: '2020-03-05T10:30:15.123Z',
    });
  });

  it('converts a time zone offset to UTC, even when that moves the instant to another day', () => {
    assert.deepEqual(toDateRange('2020-03-05T10:30:00+02:00'), {
      low: '2020-03-05T08:30:00.000Z',
      high: '2020-03-05T08:30:00.999Z',
    });
    assert.deepEqual(toDateRange('2020-03-05T01:00:00+05:30'), {
      low: '2020-03-04T19:30:00.000Z',
      high: '2020-03-04T19:30:00.999Z',
    });
    assert.deepEqual(toDateRange('2020-12-31T20:00:00-08:00'), {
      low: '2021-01-01T04:00:00.000Z',
      high: '2021-01-01T04:00:00.999Z',
    });
  });

  it('reads a time without a zone as UTC', () => {
    assert.deepEqual(toDateRange('2020-03-05T10:30:15'), toDateRange('2020-03-05T10:30:15Z'));
  });

  it('keeps years below 100 as written rather than as 19xx', () => {
    assert.deepEqual(toDateRange('0050'), { low: '0050-01-01T00:00:00.000Z', high: '0050-12-31T23:59:59.999Z' });
  });

  it('accepts a leap second', () => {
    assert.deepEqual(toDateRange('2016-12-31T23:59:60Z'), {
      low: '2017-01-01T00:00:00.000Z',
      high: '2017-01-01T00:00:00.999Z',
    });
  });

  it('rejects dates that do not exist in the calendar', () => {
    for (const value of ['2020-02-30', '2021-02-29', '2020-04-31', '2020-13', '2020-00', '2020-01-00', '2020-01-32']) {
      assert.equal(toDateRange(value), undefined, value);
    }
  });

  it('rejects impossible times and time zones', () => {
    for (const value of ['2020-03-05T24:00Z', '2020-03-05T10:60Z', '2020-03-05T10:30:61Z', '2020-03-05T10:30+15:00']) {
      assert.equal(toDateRange(value), undefined, value);
    }
  });

  it('rejects text that is not a FHIR date', () => {
    for (const value of [
      '',
      '20',
      '2020-3',
      '2020-03-5',
      '2020/03/05',
      'yesterday',
      '2020-03-05T10',
      '2020-03-05 10:30',
    ]) {
      assert.equal(toDateRange(value), undefined, value);
    }
  });
});

describe('spanRange', () => {
  it('runs from the start of the first range to the end of the second', () => {
    assert.deepEqual(spanRange(toDateRange('2020-01'), toDateRange('2020-03-05')), {
      low: '2020-01-01T00:00:00.000Z',
      high: '2020-03-05T23:59:59.999Z',
    });
  });

  it('is open-ended on a missing side', () => {
    assert.deepEqual(spanRange(undefined, toDateRange('2020')), { low: '-infinity', high: '2020-12-31T23:59:59.999Z' });
    assert.deepEqual(spanRange(toDateRange('2020'), undefined), { low: '2020-01-01T00:00:00.000Z', high: 'infinity' });
  });
});
