/** An inclusive range of instants, as ISO strings PostgreSQL parses as timestamptz. */
export type DateRange = { low: string; high: string };

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, monthIndex: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return monthIndex === 1 && leap ? 29 : (DAYS_IN_MONTH[monthIndex] ?? 0);
}

/** Date.UTC without its quirk of reading years 0–99 as 1900–1999. */
function utc(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, monthIndex, day, hour, minute, second, ms));
  date.setUTCFullYear(date.getUTCFullYear() - 2000 + year);
  return date.getTime();
}

/** Minutes east of UTC for `Z`, `+05:30`, `-08:00`; undefined for an offset FHIR does not allow. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (!zone || zone === 'Z') {
    return 0;
  }
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  // FHIR's dateTime pattern allows offsets from -14:00 to +14:00.
  if (minutes > 59 || hours > 14 || (hours === 14 && minutes > 0)) {
    return undefined;
  }
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * The range of instants a FHIR date, dateTime or instant covers at its precision (R4 §3.1.1.4.6):
 * `2020` covers all of 2020, `2020-03-05` that day, a time to the second that second. Values
 * without a time zone are read as UTC. Returns undefined for a malformed or impossible value
 * (`2020-13`, `2020-02-30`, `T24:00`).
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
  const h = Number(hour ?? 0);
  const mi = Number(minute ?? 0);
  // 60 is a leap second, which the FHIR time pattern allows.
  const s = Number(second ?? 0);
  const offsetMinutes = zoneOffsetMinutes(zone);
  if (
    mo < 0 ||
    mo > 11 ||
    d < 1 ||
    d > daysInMonth(y, mo) ||
    h > 23 ||
    mi > 59 ||
    s > 60 ||
    offsetMinutes === undefined
  ) {
    return undefined;
  }
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const start = utc(y, mo, d, h, mi, s, ms) - offsetMinutes * 60_000;
  let end: number;
  if (!month) {
    end = utc(y + 1, 0, 1);
  } else if (!day) {
    end = utc(y, mo + 1, 1);
  } else if (!hour) {
    end = utc(y, mo, d + 1);
  } else if (!second) {
    end = start + 60_000;
  } else if (!fraction) {
    end = start + 1000;
  } else {
    end = start + 10 ** (3 - Math.min(fraction.length, 3));
  }
  return { low: new Date(start).toISOString(), high: new Date(end - 1).toISOString() };
}

/** Combines two ranges into the smallest range covering both ends (e.g. a Period). */
export function spanRange(start: DateRange | undefined, end: DateRange | undefined): DateRange {
  return { low: start?.low ?? '-infinity', high: end?.high ?? 'infinity' };
}
