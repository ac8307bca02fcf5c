import type { AuditEvent } from '@caregraph/core/fhir';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { tableRowCount, VirtualTableBody } from '../../components/VirtualTableBody.tsx';
import { useAuditEvents, useUserDirectory } from './api.ts';
import {
  describeAuditAction,
  describeAuditAgent,
  describeAuditEvent,
  formatRecorded,
  isAuditSuccess,
  summariseEntities,
} from './audit-display.ts';
import { findAuditFilterProblems, isFiltered, type AuditFilter } from './audit-filter.ts';
import { AuditFilterForm } from './AuditFilterForm.tsx';
import { auditEntryPath, auditExplorerPath } from './audit-links.ts';
import './audit-explorer.css';
import { LoadMore } from '../../components/LoadMore.tsx';

type EventList = ReturnType<typeof useAuditEvents>;

function EventCells({
  event,
  filter,
  emails,
}: {
  event: AuditEvent;
  filter: AuditFilter;
  emails: ReadonlyMap<string, string>;
}) {
  const isSuccess = isAuditSuccess(event);
  return (
    <>
      <td className="audit-table__time">{formatRecorded(event.recorded)}</td>
      <td>{describeAuditAction(event.action)}</td>
      <td>
        <Link to={auditEntryPath(event.id ?? '', filter)} className="audit-table__open">
          {describeAuditEvent(event)}
        </Link>
      </td>
      <td className="audit-table__agent">{describeAuditAgent(event, emails)}</td>
      <td className="audit-table__entities">{summariseEntities(event)}</td>
      <td>
        <StatusBadge tone={isSuccess ? 'ok' : 'warning'}>
          {isSuccess ? 'Success' : (event.outcomeDesc ?? 'Refused')}
        </StatusBadge>
      </td>
    </>
  );
}

function EventTable({
  list,
  filter,
  emails,
}: {
  list: EventList;
  filter: AuditFilter;
  emails: ReadonlyMap<string, string>;
}) {
  const { events } = list;
  const hasMore = list.hasNextPage && !list.isFetchingNextPage && !list.isFetchNextPageError;
  return (
    <>
      <div className="table-scroll admin-table-scroll">
        <table
          className="data-table audit-table"
          aria-busy={list.isFetching}
          aria-rowcount={tableRowCount(events.length, undefined, list.hasNextPage)}
          data-testid="audit-table"
        >
          <caption className="muted">
            {events.length} entr{events.length === 1 ? 'y' : 'ies'}
            {list.hasNextPage ? ' loaded, more below' : ''}, newest first. Open one to verify it is in the signed log.
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Recorded</th>
              <th scope="col">Action</th>
              <th scope="col">Event</th>
              <th scope="col">User</th>
              <th scope="col">Resources</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <VirtualTableBody
            rows={events}
            rowKey={(event) => event.id ?? ''}
            renderCells={(event) => <EventCells event={event} filter={filter} emails={emails} />}
            estimateSize={44}
            hasMore={hasMore}
            onEndReached={() => void list.fetchNextPage()}
          />
        </table>
      </div>
      <LoadMore pages={list} what="more audit entries" label="Load more entries" />
    </>
  );
}

/**
 * The audit trail, filtered by user, patient, action, kind, outcome and days (the filter lives in the address),
 * newest first, paged as it scrolls. Each entry opens to its details and inclusion proof.
 */
export function AuditExplorer({ filter }: { filter: AuditFilter }) {
  const navigate = useNavigate();
  const isValid = Object.keys(findAuditFilterProblems(filter)).length === 0;
  const list = useAuditEvents(filter, isValid);
  const emails = useUserDirectory();
  const suggestions = useMemo(() => [...emails.values()].sort(), [emails]);
  return (
    <>
      <Card title="Filter">
        <AuditFilterForm
          filter={filter}
          userSuggestions={suggestions}
          onSearch={(next) => void navigate(auditExplorerPath(next))}
        />
      </Card>
      <Card title="Entries">
        {!isValid && <p className="muted">Correct the filter above to search.</p>}
        {isValid && list.isPending && <p className="muted">Searching the audit trail…</p>}
        {list.isError && list.events.length === 0 && (
          <ErrorMessage error={list.error} what="the audit trail" onRetry={() => void list.refetch()} />
        )}
        {list.isSuccess && list.events.length === 0 && (
          <p className="admin-empty" data-testid="audit-empty">
            {isFiltered(filter)
              ? 'No audit entry matches this filter. Widen the days or clear a field.'
              : 'The audit trail is empty.'}
          </p>
        )}
        {list.isRefetchError && list.events.length > 0 && (
          <ErrorMessage
            error={list.error}
            what="the audit trail (showing the entries found before)"
            onRetry={() => void list.refetch()}
          />
        )}
        {list.events.length > 0 && <EventTable list={list} filter={filter} emails={emails} />}
      </Card>
    </>
  );
}
