import type { JourneyNode } from '@caregraph/core/domain';
import { useState } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useResource } from './api.ts';

type NodeDetailsProps = {
  node: JourneyNode;
  pathFrom: string | undefined;
  onPathFrom: (ref: string) => void;
  onPathTo: (ref: string) => void;
};

/** What one journey node is, with the way into its FHIR resource and the path tools. */
export function NodeDetails({ node, pathFrom, onPathFrom, onPathTo }: NodeDetailsProps) {
  const [showResource, setShowResource] = useState(false);
  const resource = useResource(showResource ? node.ref : undefined);
  return (
    <div className="node-details" data-testid="node-details">
      <h3>{node.label}</h3>
      <dl>
        <dt>Type</dt>
        <dd>{node.resourceType}</dd>
        <dt>When</dt>
        <dd>
          {node.time ? node.time.slice(0, 10) : 'No date recorded'}
          {node.end && node.end.slice(0, 10) !== node.time?.slice(0, 10) ? ` – ${node.end.slice(0, 10)}` : ''}
        </dd>
        {node.codes.length > 0 && (
          <>
            <dt>Codes</dt>
            <dd>
              <ul className="plain-list">
                {node.codes.map((code) => (
                  <li key={code}>
                    <code className="code-inline">{code}</code>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {node.encounter && (
          <>
            <dt>Encounter</dt>
            <dd>
              <code className="code-inline">{node.encounter}</code>
            </dd>
          </>
        )}
      </dl>
      <div className="node-details__actions">
        <button type="button" className="button button--small" onClick={() => onPathFrom(node.ref)}>
          Path from here
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => onPathTo(node.ref)}
          disabled={pathFrom === undefined || pathFrom === node.ref}
        >
          Path to here
        </button>
        <button type="button" className="button button--small" onClick={() => setShowResource((shown) => !shown)}>
          {showResource ? 'Hide FHIR resource' : 'Show FHIR resource'}
        </button>
      </div>
      {showResource && resource.isPending && <p className="muted">Loading {node.ref}…</p>}
      {showResource && resource.isError && <ErrorMessage error={resource.error} what={node.ref} />}
      {showResource && resource.data && (
        <pre className="code-block node-details__json" tabIndex={0} aria-label={`FHIR resource ${node.ref}`}>
          <code>{JSON.stringify(resource.data, null, 2)}</code>
        </pre>
      )}
    </div>
  );
}
