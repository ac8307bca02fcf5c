/** Where in a release a problem is: the file (its path inside a zip), and the line and field when known. */
export type LoadErrorLocation = { file: string; line?: number; field?: string };

/**
 * A release file that cannot be loaded. The message names the file, the line and the field
 * (`Loinc.csv line 42: column LOINC_NUM is empty`) so the user can fix the file and load again;
 * nothing of the release is kept when it is thrown.
 */
export class TerminologyLoadError extends Error {
  override readonly name = 'TerminologyLoadError';
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(location: LoadErrorLocation, detail: string, options?: { cause?: unknown }) {
    super(`${location.file}${location.line === undefined ? '' : ` line ${location.line}`}: ${detail}`, options);
    this.file = location.file;
    this.line = location.line;
    this.field = location.field;
  }
}

/** `<file> line <n>: column <field> is empty`. */
export function emptyFieldError(file: string, line: number, field: string): TerminologyLoadError {
  return new TerminologyLoadError({ file, line, field }, `column ${field} is empty`);
}

/** `<file> line <n>: column <field> is "<value>", expected <expected>`. */
export function badFieldError(
  file: string,
  line: number,
  field: string,
  value: string,
  expected: string,
): TerminologyLoadError {
  return new TerminologyLoadError({ file, line, field }, `column ${field} is "${value}", expected ${expected}`);
}
