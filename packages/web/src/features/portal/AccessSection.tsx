import { ApiError } from '@caregraph/core/client';
import { useId, useMemo, useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDateTime } from '../chart/fhir-display.ts';
import { describeAccessor, groupAccessVisits, type AccessVisit } from './access-log.ts';
import { useRecordAccess } from './api.ts';
import { LoadMore } from '../../components/LoadMore.tsx';

/** "00:32" for a visit within a minute, "00:32–00:41" for a longer one, on the day of its start. */
function visitTime(visit: AccessVisit): string {
  const start = formatDateTime(visit.earliest);
  const end = formatDateTime(visit.latest);
  if (start === end) {
    return start;
  }
  const [startDay] = start.split(' ');
  const [endDay, endTime] = end.split(' ');
  return startDay === endDay && endTime ? `${start}–${endTime}` : `${start} – ${end}`;
}

function AccessItem({ visit }: { visit: AccessVisit }) {
  return (
    <li className="portal-access" data-testid="portal-access-entry">
      <div className="portal-reading__head">
        <strong>{describeAccessor(visit.who)}</strong>
        {visit.isBreakGlass && <StatusBadge tone="error">Emergency access</StatusBadge>}
        {visit.refused.length > 0 && <StatusBadge tone="warning">Refused</StatusBadge>}
      </div>
      {visit.actions.length > 0 && <div>{visit.actions.join('; ')}</div>}
      {visit.refused.length > 0 && <div>Tried but refused: {visit.refused.join('; ')}</div>}
      <div className="muted">
        <time dateTime={visit.earliest}>{visitTime(visit)}</time>
        {visit.purposes.length > 0 && ` · Reason: ${visit.purposes.join('; ')}`}
      </div>
    </li>
  );
}

/** Who opened the patient's record and when, from the audit trail; the patient's own use only when asked. */
export function AccessSection() {
  const [includeOwn, setIncludeOwn] = useState(false);
  const access = useRecordAccess(includeOwn);
  const toggleId = useId();
  const isMissing = access.error instanceof ApiError && access.error.status === 404;
  const visits = useMemo(() => groupAccessVisits(access.entries), [access.entries]);
  return (
    <Card title="Who accessed my record">
      <p className="muted">
        Every time someone at the clinic, or a connected system, opens or changes your record, it is written down. The
        list is newest first; what one person did within a few minutes shows as one visit.
      </p>
      <div className="portal-toggle">
        <input
          id={toggleId}
          type="checkbox"
          checked={includeOwn}
          onChange={(event) => setIncludeOwn(event.target.checked)}
        />
        <label htmlFor={toggleId}>Include my own use of the portal</label>
      </div>
      {access.isPending && <p className="muted">Loading the access history…</p>}
      {access.isError && access.entries.length === 0 && isMissing && (
        <p role="alert">The access history is not available on this server.</p>
      )}
      {access.isError && access.entries.length === 0 && !isMissing && (
        <ErrorMessage error={access.error} what="the access history" onRetry={() => void access.refetch()} />
      )}
      {access.isSuccess && access.entries.length === 0 && (
        <p data-testid="portal-access-empty">
          {includeOwn ? 'Nobody has opened your record yet.' : 'Nobody else has opened your record yet.'}
        </p>
      )}
      {access.entries.length > 0 && (
        <ul className="portal-list" data-testid="portal-access-list">
          {visits.map((visit) => (
            <AccessItem key={visit.key} visit={visit} />
          ))}
        </ul>
      )}
      <LoadMore pages={access} what="more of the history" label="Show older entries" />
    </Card>
  );
}
