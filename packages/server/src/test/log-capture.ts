/** Log lines captured from a pino destination, for tests that check what is (not) logged. */
export type LogCapture = {
  /** Pass as `logStream` to `buildApp`. */
  stream: { write: (line: string) => void };
  /** Every line written so far, as text. */
  text: () => string;
  /** Every line written so far, parsed. */
  entries: () => Array<Record<string, unknown>>;
};

/** Captures the JSON log lines an app writes. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  return {
    stream: { write: (line) => void lines.push(line) },
    text: () => lines.join(''),
    entries: () =>
      lines
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
