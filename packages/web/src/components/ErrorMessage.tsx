import { describeError } from './describe-error.ts';

type ErrorMessageProps = {
  error: unknown;
  /** What was being loaded, e.g. "this patient's journey". */
  what: string;
  onRetry?: () => void;
};

/** A failed request, explained, with a retry button when retrying can help. */
export function ErrorMessage({ error, what, onRetry }: ErrorMessageProps) {
  return (
    <div className="form-error error-message" role="alert">
      <span>{describeError(error, what)}</span>
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
