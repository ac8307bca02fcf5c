import { ApiError } from '@caregraph/core/client';
import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useUserDirectory, useVerifiedEntry } from './api.ts';
import { describeAuditAction, formatRecorded, type AuditEntryView } from './audit-display.ts';
import { EMPTY_AUDIT_FILTER, type AuditFilter } from './audit-filter.ts';
import { auditExplorerPath } from './audit-links.ts';
import { ProofReportView } from './ProofReportView.tsx';
import './audit-explorer.css';

function EntryFacts({ entry, emails }: { entry: AuditEntryView; emails: ReadonlyMap<string, string> }) {
  const agentEmail = emails.get(entry.agent.name);
  return (
    <dl className="audit-entry__facts" data-testid="audit-entry-facts">
      <dt>Recorded</dt>
      <dd>
        {formatRecorded(entry.recorded)} <span className="muted">({entry.recorded})</span>
      </dd>
      <dt>Event</dt>
      <dd>
        {entry.type} · {entry.interaction}
        {entry.detail ? ` · ${entry.detail}` : ''}
      </dd>
      <dt>Action</dt>
      <dd>{describeAuditAction(entry.action)}</dd>
      <dt>Outcome</dt>
      <dd>{entry.outcome === '0' ? 'Success' : `Refused${entry.failure ? ` (${entry.failure})` : ''}`}</dd>
      <dt>Who</dt>
      <dd>
        <Link to={auditExplorerPath({ ...EMPTY_AUDIT_FILTER, user: agentEmail ?? entry.agent.name })}>
          {agentEmail ?? entry.agent.name}
          <span className="visually-hidden"> (every entry by them)</span>
        </Link>{' '}
        <span className="muted">({entry.agent.kind})</span>
        {entry.agent.roles.length > 0 ? ` as ${entry.agent.roles.join(', ')}` : ''}
        {entry.agent.address ? ` from ${entry.agent.address}` : ''}
      </dd>
      {entry.purpose && (
        <>
          <dt>Purpose</dt>
          <dd>
            {entry.purpose.code}
            {entry.purpose.reason ? ` — ${entry.purpose.reason}` : ''}
          </dd>
        </>
      )}
      <dt>Patients</dt>
      <dd>
        {entry.patients.length === 0
          ? '—'
          : entry.patients.map((patient, index) => (
              <span key={patient}>
                {index > 0 && ', '}
                <Link to={auditExplorerPath({ ...EMPTY_AUDIT_FILTER, patient })}>
                  {patient}
                  <span className="visually-hidden"> (every entry about this patient)</span>
                </Link>
              </span>
            ))}
      </dd>
      <dt>Resources</dt>
      <dd>{entry.entities.length === 0 ? '—' : entry.entities.join(', ')}</dd>
      {entry.query && entry.query.length > 0 && (
        <>
          <dt>Query parameters</dt>
          <dd>{entry.query.join(', ')}</dd>
        </>
      )}
      {entry.request && (
        <>
          <dt>Request id</dt>
          <dd>
            <code>{entry.request}</code>
          </dd>
        </>
      )}
    </dl>
  );
}

/** A failed verification request: the server's refusal, or why this page cannot check proofs. */
function VerificationError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError || !(error instanceof Error)) {
    return <ErrorMessage error={error} what="this entry's inclusion proof" onRetry={onRetry} />;
  }
  return (
    <p className="form-error" role="alert">
      {error.message}
    </p>
  );
}

/**
 * One audit entry as the signed log holds it, with its inclusion proof checked in this browser:
 * the entry shown is the proven text itself, not a second copy from another request.
 */
export function AuditEntryDetail({ entryId, filter }: { entryId: string; filter: AuditFilter }) {
  const verified = useVerifiedEntry(entryId);
  const emails = useUserDirectory();
  const back = (
    <Link to={auditExplorerPath(filter)} className="button button--small">
      Back to the entries
    </Link>
  );
  return (
    <>
      <Card title="Entry" actions={back}>
        {verified.isPending && <p className="muted">Fetching the entry and its proof…</p>}
        {verified.isError && <VerificationError error={verified.error} onRetry={() => void verified.refetch()} />}
        {verified.data &&
          (verified.data.entry ? (
            <EntryFacts entry={verified.data.entry} emails={emails} />
          ) : (
            <p className="form-error">The proven entry text is not an audit entry this page can read.</p>
          ))}
      </Card>
      <Card
        title="Inclusion proof"
        actions={
          <button
            type="button"
            className="button button--small"
            disabled={verified.isFetching}
            onClick={() => void verified.refetch()}
          >
            {verified.isFetching ? 'Verifying…' : 'Verify again'}
          </button>
        }
      >
        <p className="muted">
          The server sends the entry, its audit path and the latest signed tree head; this page recomputes the hashes
          with WebCrypto (RFC 9162) and checks the Ed25519 signature with the published key.
        </p>
        {verified.data && <ProofReportView report={verified.data.report} proof={verified.data.proof} />}
      </Card>
    </>
  );
}
