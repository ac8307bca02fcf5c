import type { ReactNode } from 'react';
import { Card } from '../../components/Card.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useCapabilities, useReadiness } from './api.ts';
import { describeDatabaseMode, type Readiness, type ServerSummary } from './summary.ts';
import './status.css';

/** Server readiness, database mode and what the FHIR API supports, read from public endpoints. */
export function StatusPanel() {
  const readiness = useReadiness();
  const capabilities = useCapabilities();
  const reload = () => {
    readiness.reload();
    capabilities.reload();
  };
  const isLoading = readiness.result.state === 'loading' || capabilities.result.state === 'loading';
  const refresh = (
    <button type="button" className="button button--small" onClick={reload} disabled={isLoading}>
      Refresh
    </button>
  );
  const errors = [readiness.result, capabilities.result].flatMap((result) =>
    result.state === 'error' ? [result.message] : [],
  );

  let body: ReactNode;
  if (errors.length > 0) {
    body = (
      <div className="notice notice--error" role="alert">
        <p className="notice__title">Cannot reach the CareGraph server</p>
        <ul>
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
        <p>Check that the server is running, then try again.</p>
        <button type="button" className="button" onClick={reload}>
          Try again
        </button>
      </div>
    );
  } else if (readiness.result.state === 'done' && capabilities.result.state === 'done') {
    body = <StatusFacts readiness={readiness.result.value} summary={capabilities.result.value} />;
  } else {
    body = (
      <p className="loading" role="status">
        <span className="spinner" aria-hidden="true" /> Checking the server…
      </p>
    );
  }
  return (
    <Card title="Server status" actions={refresh}>
      <div aria-busy={isLoading}>{body}</div>
    </Card>
  );
}

function StatusFacts({ readiness, summary }: { readiness: Readiness; summary: ServerSummary }) {
  return (
    <dl className="facts">
      <div className="fact">
        <dt>Readiness</dt>
        <dd>
          <StatusBadge tone={readiness.ready ? 'ok' : 'error'}>{readiness.status}</StatusBadge>
        </dd>
      </div>
      <div className="fact">
        <dt>Database</dt>
        <dd>
          <span className="fact__value">{readiness.database ?? 'unknown'}</span>
          <span className="fact__hint">{describeDatabaseMode(readiness.database)}</span>
        </dd>
      </div>
      <div className="fact">
        <dt>FHIR version</dt>
        <dd className="fact__value">{summary.fhirVersion}</dd>
      </div>
      <div className="fact">
        <dt>Software</dt>
        <dd className="fact__value">
          {summary.softwareName} {summary.softwareVersion}
        </dd>
      </div>
      <div className="fact">
        <dt>Resource types</dt>
        <dd>
          <span className="fact__value" data-testid="resource-type-count">
            {summary.resourceTypeCount}
          </span>
          <span className="fact__hint">supported by the REST API</span>
        </dd>
      </div>
      <div className="fact">
        <dt>System interactions</dt>
        <dd>
          <span className="fact__value">{summary.systemInteractions.length}</span>
          <span className="fact__hint">{summary.systemInteractions.join(', ') || 'none'}</span>
        </dd>
      </div>
    </dl>
  );
}
