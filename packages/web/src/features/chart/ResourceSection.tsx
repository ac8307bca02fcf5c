import type { Resource } from '@caregraph/core/fhir';
import type { ReactNode } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import type { ChartSearch } from './api.ts';
import './chart.css';
import { LoadMore } from '../../components/LoadMore.tsx';

type ResourceSectionProps<T extends Resource> = {
  search: ChartSearch<T>;
  /** What the rows are, e.g. "problems"; used in the loading, empty and error messages. */
  what: string;
  /** Rendered once the first page has arrived and has rows. */
  children: (resources: T[]) => ReactNode;
};

/**
 * The states every list of the chart goes through: loading, failed (with the reason and a retry),
 * empty, and rows with a button for the next FHIR page, so no section is ever a blank space.
 */
export function ResourceSection<T extends Resource>({ search, what, children }: ResourceSectionProps<T>) {
  if (search.isPending) {
    return <p className="muted">Loading {what}…</p>;
  }
  if (search.isError && search.resources.length === 0) {
    return <ErrorMessage error={search.error} what={what} onRetry={() => void search.refetch()} />;
  }
  if (search.resources.length === 0) {
    return <p className="muted">No {what} recorded.</p>;
  }
  return (
    <>
      {search.isRefetchError && (
        <ErrorMessage
          error={search.error}
          what={`the latest ${what} (showing what was loaded before)`}
          onRetry={() => void search.refetch()}
        />
      )}
      {children(search.resources)}
      <LoadMore pages={search} what={`more ${what}`} label={`Load more ${what}`} className="chart-more" />
    </>
  );
}
