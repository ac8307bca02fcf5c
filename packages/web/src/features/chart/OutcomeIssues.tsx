import { outcomeIssuesOf } from '@caregraph/core/client';
import { describeError } from '../../components/describe-error.ts';

/**
 * Why the server refused a write: each OperationOutcome issue with the element it names, or the
 * reason of a failure without one (network down, no access). Announced as an alert next to the form.
 */
export function OutcomeIssues({ error, what, id }: { error: unknown; what: string; id: string }) {
  const issues = outcomeIssuesOf(error).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
  return (
    <div id={id} className="form-error outcome-issues" role="alert" data-testid="outcome-issues">
      {issues.length === 0 ? (
        <span>{describeError(error, what).replace(/^Could not load/, 'Could not save')}</span>
      ) : (
        <>
          <span>The server did not accept {what}:</span>
          <ul>
            {issues.map((issue, index) => (
              <li key={index}>
                {issue.text}
                {issue.expression.length > 0 && (
                  <code className="outcome-issues__path"> {issue.expression.join(', ')}</code>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
