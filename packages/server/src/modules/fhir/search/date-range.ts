/** An inclusive range of instants, as ISO strings PostgreSQL parses as timestamptz. */
export type DateRange = { low: string; high: string };

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range of instants a FHIR date, dateTime or instant covers at its precision (R4 §3.1.1.4.6):
 * `2020` covers all of 2020, `2020-03-05` that day, a time to the second that second. Values
 * without a time zone are read as UTC. Returns undefined for a malformed value.
 */
export function toDateRange(value: string): DateRange | undefined {
  const match = DATE_PATTERN.exec(value);
  if (!match) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const y = Number(year);
  const mo = month ? Number(month) - 1 : 0;
  const d = day ? Number(day) : 1;
  const h = hour ? Number(hour) : 0;
  const mi = minute ? Number(minute) : 0;
  const s = second ? Number(second) : 0;
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  if (mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return undefined;
  }
  const offsetMinutes = zoneOffsetMinutes(zone);
  const start = Date.UTC(y, mo, d, h, mi, s, ms) - offsetMinutes * 60_000;
  let end: number;
  if (!month) {
    end = Date.UTC(y + 1, 0, 1);
  } else if (!day) {
    end = Date.UTC(y, mo + 1, 1);
  } else if (!hour) {
    end = Date.UTC(y, mo, d + 1);
  } else if (!second) {
    end = start + 60_000;
  } else if (!fraction) {
    end = start + 1000;
  } else {
    end = start + 10 ** (3 - Math.min(fraction.length, 3));
  }
  const startDate = new Date(start);
  if (Number.isNaN(startDate.getTime()) || startDate.getUTCDate() !== new Date(Date.UTC(y, mo, d)).getUTCDate()) {
    return undefined;
  }
  return { low: startDate.toISOString(), high: new Date(end - 1).toISOString() };
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') {
    return 0;
  }
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/** Combines two ranges into the smallest range covering both ends (e.g. a Period). */
export function spanRange(start: DateRange | undefined, end: DateRange | undefined): DateRange {
  return { low: start?.low ?? '-infinity', high: end?.high ?? 'infinity' };
}
