import { ErrorMessage } from './ErrorMessage.tsx';

/** What a paged list query offers for its next page (TanStack Query's infinite queries have it). */
export type NextPages = {
  error: unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  fetchNextPage: () => Promise<unknown>;
};

type LoadMoreProps = {
  pages: NextPages;
  /** What the next page holds, for the error message: "more users". */
  what: string;
  /** The button's text: "Load more users". */
  label: string;
  className?: string;
};

/** The foot of a paged list: why its next page failed (with a retry), and the button that loads it. */
export function LoadMore({ pages, what, label, className }: LoadMoreProps) {
  return (
    <>
      {pages.isFetchNextPageError && (
        <ErrorMessage error={pages.error} what={what} onRetry={() => void pages.fetchNextPage()} />
      )}
      {pages.hasNextPage && (
        <button
          type="button"
          className={className ? `button button--small ${className}` : 'button button--small'}
          disabled={pages.isFetchingNextPage}
          onClick={() => void pages.fetchNextPage()}
        >
          {pages.isFetchingNextPage ? 'Loading…' : label}
        </button>
      )}
    </>
  );
}
