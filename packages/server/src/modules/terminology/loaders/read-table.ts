import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { TerminologyLoadError, emptyFieldError } from './load-error.ts';
import { openText, type SourceFile } from './source.ts';

/** A line of a file, numbered from 1. */
export type Line = { number: number; text: string };

/** Yields the lines of a text file (LF or CRLF), without a leading byte-order mark. */
export async function* readLines(file: SourceFile, onBytes?: (bytesRead: number) => void): AsyncGenerator<Line> {
  const lines = createInterface({ input: await openText(file, onBytes), crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number += 1;
    yield { number, text: number === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  }
}

/** A data row of a delimited file: its line number and its cells. */
export type Row = { line: number; cells: string[] };

/**
 * Yields the rows of a file whose cells never hold the delimiter or a line break (RF2 and RRF
 * files, our TSVs): a plain split, much faster than a CSV parser on files of millions of lines.
 * Blank lines are skipped.
 */
export async function* readSplitRows(
  file: SourceFile,
  delimiter: string,
  onBytes?: (bytesRead: number) => void,
): AsyncGenerator<Row> {
  for await (const { number, text } of readLines(file, onBytes)) {
    if (text.trim() !== '') {
      yield { line: number, cells: text.split(delimiter) };
    }
  }
}

/**
 * Yields the rows of a quoted CSV file (cells may hold commas, quotes and line breaks); `line` is
 * the line the row starts on.
 */
export async function* readCsvRows(
  file: SourceFile,
  onBytes?: (bytesRead: number) => void,
  delimiter = ',',
): AsyncGenerator<Row> {
  const parser = (await openText(file, onBytes)).pipe(
    // A quote inside an unquoted cell (a TSV descriptor such as 12" catheter) is text, not an error.
    parse({ bom: true, delimiter, info: true, skip_empty_lines: true, relax_quotes: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: info.lines, cells: record };
    }
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new TerminologyLoadError({ file: file.name, line }, (error as Error).message, { cause: error });
  }
}

/** Column positions of a file with a header row, found by name (case-insensitive, trimmed). */
export class Columns {
  readonly file: string;
  readonly names: string[];
  readonly #index: Map<string, number>;

  constructor(file: string, header: string[]) {
    this.file = file;
    this.names = header.map((name) => name.trim());
    this.#index = new Map(this.names.map((name, index) => [name.toLowerCase(), index]));
  }

  /** Whether the header has a column of this name. */
  has(name: string): boolean {
    return this.#index.has(name.toLowerCase());
  }

  /** The position of a column the file must have; a missing one is an error on line 1. */
  indexOf(name: string): number {
    const index = this.#index.get(name.toLowerCase());
    if (index === undefined) {
      throw new TerminologyLoadError({ file: this.file, line: 1, field: name }, `column ${name} is missing`);
    }
    return index;
  }

  /** The trimmed cell of an optional column; empty when the column or the cell is absent. */
  optional(row: Row, name: string): string {
    const index = this.#index.get(name.toLowerCase());
    return index === undefined ? '' : (row.cells[index] ?? '').trim();
  }

  /** The trimmed cell of a column that must hold a value. */
  required(row: Row, name: string): string {
    const value = (row.cells[this.indexOf(name)] ?? '').trim();
    if (value === '') {
      throw emptyFieldError(this.file, row.line, name);
    }
    return value;
  }
}

/**
 * Takes the header row off a row stream: `header` is undefined for an empty file, `rows` yields the
 * data rows. Stop early with `rows.return()` (or by leaving a `for await`), which closes the file.
 */
export async function splitHeader(
  rows: AsyncGenerator<Row>,
): Promise<{ header: Row | undefined; rows: AsyncGenerator<Row> }> {
  const first = await rows.next();
  return { header: first.done ? undefined : first.value, rows };
}
