import type { JourneyNode } from '@caregraph/core/domain';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import type { useJourneyPath } from './api.ts';

type PathSummaryProps = {
  path: ReturnType<typeof useJourneyPath>;
  from: string;
  to: string | undefined;
  nodesByRef: ReadonlyMap<string, JourneyNode>;
  onClear: () => void;
};

/** The highlighted path, step by step with each relation. */
export function PathSummary({ path, from, to, nodesByRef, onClear }: PathSummaryProps) {
  const label = (ref: string) => nodesByRef.get(ref)?.label ?? ref;
  const found = path.data?.paths[0];
  return (
    <div className="path-summary" data-testid="path-summary" aria-live="polite">
      <h3>Path</h3>
      <p>
        From <strong>{label(from)}</strong>
        {to ? (
          <>
            {' '}
            to <strong>{label(to)}</strong>
          </>
        ) : (
          ' — choose the end: select another event and press “Path to here”.'
        )}
      </p>
      {to && path.isPending && <p className="muted">Finding the path…</p>}
      {to && path.isError && <ErrorMessage error={path.error} what="the path" />}
      {to && path.isSuccess && !found && <p>These two events are not connected.</p>}
      {found && (
        <ol className="path-summary__steps">
          {found.nodes.map((ref, index) => {
            const edge = found.edges[index];
            return (
              <li key={ref} data-ref={ref}>
                {label(ref)}
                {edge && (
                  <span className="muted"> — {edge.from === ref ? edge.relation : `${edge.relation} (reverse)`}</span>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <button type="button" className="button button--small" onClick={onClear}>
        Clear path
      </button>
    </div>
  );
}
