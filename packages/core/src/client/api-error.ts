/** A failed API call: the HTTP status and the server's explanation, safe to show to the user. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** The parsed error body (an OperationOutcome or a problem), when the server sent JSON. */
  readonly body: unknown;

  /**
   * @param status - the HTTP status, or 0 when the server could not be reached
   * @param message - the server's own words (OperationOutcome diagnostics or problem detail)
   * @param body - the parsed error body, kept so forms can show each OperationOutcome issue by field
   */
  constructor(status: number, message: string, body?: unknown) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

type OutcomeIssue = { diagnostics?: string; details?: { text?: string } };

/**
 * The human-readable explanation in an error body: an OperationOutcome's issues, or an RFC 9457
 * problem's `detail`/`title`; undefined when the body is neither.
 */
export function describeErrorBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const record = body as Record<string, unknown>;
  if (record.resourceType === 'OperationOutcome' && Array.isArray(record.issue)) {
    const texts = (record.issue as OutcomeIssue[])
      // details.text is written for people; diagnostics may be a FHIRPath expression (invariants).
      .map((issue) => issue.details?.text ?? issue.diagnostics)
      .filter((text): text is string => typeof text === 'string' && text.length > 0);
    return texts.length > 0 ? texts.join('; ') : undefined;
  }
  for (const key of ['detail', 'title', 'message']) {
    if (typeof record[key] === 'string') {
      return record[key];
    }
  }
  return undefined;
}
