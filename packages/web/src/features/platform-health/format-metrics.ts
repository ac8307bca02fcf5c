/** Requests (or errors) per second: two decimals below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  return `${perSecond < 10 ? perSecond.toFixed(2) : Math.round(perSecond).toString()}/s`;
}

/** Latency from seconds, in milliseconds below a second. */
export function formatLatency(seconds: number): string {
  if (seconds < 1) {
    const milliseconds = seconds * 1000;
    return `${milliseconds < 10 ? milliseconds.toFixed(1) : Math.round(milliseconds).toString()} ms`;
  }
  return `${seconds.toFixed(2)} s`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** A size in bytes with binary prefixes written the common way: 7.3 MB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value.toString() : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
