import type { OperationOutcome } from '@caregraph/core/fhir';

/** One thing that failed, located precisely enough to fix it. */
export type ImportError = {
  file: string;
  /** 1-based line, for NDJSON. */
  line?: number;
  /** 0-based Bundle entry index, for bundles. */
  entry?: number;
  message: string;
  /** FHIRPath of the offending element, when known. */
  expression?: string[];
};

/** Where in a file an outcome's issues belong. */
export type ErrorLocation =
  | { kind: 'file' }
  | { kind: 'entry'; entry: number }
  /** An NDJSON line: expressions are rewritten from the batch entry to the resource on that line. */
  | { kind: 'line'; line: number; resourceType: string };

const ENTRY_PREFIX = /^Bundle entry (\d+): /;
const ENTRY_EXPRESSION = /^Bundle\.entry\[(\d+)\]/;

/** The Bundle entry an issue names, from its text or its expression. */
function entryNamedBy(message: string, expression: string[] | undefined): number | undefined {
  const match = ENTRY_PREFIX.exec(message) ?? ENTRY_EXPRESSION.exec(expression?.[0] ?? '');
  return match ? Number(match[1]) : undefined;
}

/** `Bundle.entry[3].resource.birthDate` → `Patient.birthDate`, for a resource read from an NDJSON line. */
function toResourceExpression(expression: string, resourceType: string): string {
  const match = /^Bundle\.entry\[\d+\]\.resource(.*)$/.exec(expression);
  return match ? `${resourceType}${match[1] ?? ''}` : expression;
}

/**
 * The error and fatal issues of an outcome as import errors. The entry index the server put in
 * each message ("Bundle entry 4: …") becomes the `entry` field instead of staying in the text.
 */
export function toImportErrors(file: string, value: OperationOutcome, location: ErrorLocation): ImportError[] {
  return (value.issue ?? [])
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => {
      const text = issue.details?.text ?? issue.diagnostics ?? issue.code;
      const message = text.replace(ENTRY_PREFIX, '');
      const error: ImportError = { file, message };
      if (location.kind === 'line') {
        error.line = location.line;
      } else {
        const entry = location.kind === 'entry' ? location.entry : entryNamedBy(text, issue.expression);
        if (entry !== undefined) {
          error.entry = entry;
        }
      }
      if (issue.expression?.length) {
        error.expression =
          location.kind === 'line'
            ? issue.expression.map((path) => toResourceExpression(path, location.resourceType))
            : issue.expression;
      }
      return error;
    });
}
