import { decideReview, getReview, listReviews, type HttpClient } from '@caregraph/core/client';
import type {
  ReviewDecision,
  ReviewDetail,
  ReviewPage,
  ReviewStatusFilter,
  ReviewSummary,
} from '@caregraph/core/domain';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useClient } from '../session/SessionProvider.tsx';

/** Reviews per page of the queue. */
export const REVIEW_PAGE_SIZE = 20;

export const reviewQueueKey = (status: ReviewStatusFilter) => ['mpi', 'reviews', status] as const;
export const reviewKey = (id: string) => ['mpi', 'review', id] as const;

/** The review queue of one status, paged by the server's `next` cursor. */
export function useReviewQueue(status: ReviewStatusFilter) {
  const client = useClient();
  const query = useInfiniteQuery({
    queryKey: reviewQueueKey(status),
    queryFn: ({ pageParam, signal }) =>
      listReviews(client, { status, count: REVIEW_PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: ReviewPage) => last.next,
  });
  const pages = query.data?.pages;
  const reviews = useMemo(() => (pages ?? []).flatMap((page) => page.items), [pages]);
  return { ...query, reviews };
}

/** One review with its field comparison. */
export function useReview(id: string) {
  const client = useClient();
  return useQuery({
    queryKey: reviewKey(id),
    queryFn: ({ signal }) => getReview(client, id, signal),
    enabled: id !== '',
  });
}

/** Loads a review into the cache ahead of time, so moving to it shows it at once. */
export function usePrefetchReview() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useCallback(
    (id: string) => {
      // A failed prefetch is not shown: the review reports its error when it is opened.
      queryClient
        .query({ queryKey: reviewKey(id), queryFn: ({ signal }) => getReview(client, id, signal) })
        .catch(() => undefined);
    },
    [client, queryClient],
  );
}

/** The first open review other than `except`, read from the server (when the loaded queue has none left). */
export async function findOpenReview(client: HttpClient, except: string): Promise<string | undefined> {
  const page = await listReviews(client, { status: 'open', count: 2 });
  return page.items.find((item) => item.id !== except)?.id;
}

function withoutReview(data: InfiniteData<ReviewPage> | undefined, id: string) {
  if (!data) {
    return data;
  }
  return {
    ...data,
    pages: data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== id) })),
  };
}

/**
 * Records a decision. Once the server accepts it, the review leaves the open queue at once (no
 * refetch needed to hide it) and both queues are refreshed in the background.
 */
export function useDecideReview() {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: ReviewDecision }) => decideReview(client, id, decision),
    onSuccess: (updated: ReviewSummary, { id }) => {
      queryClient.setQueryData<ReviewDetail>(reviewKey(id), (previous) =>
        previous ? { ...previous, ...updated } : previous,
      );
      queryClient.setQueryData<InfiniteData<ReviewPage>>(reviewQueueKey('open'), (data) => withoutReview(data, id));
      void queryClient.invalidateQueries({ queryKey: ['mpi', 'reviews'] });
    },
    onError: (_error, { id }) => {
      // A 409 means someone else decided it: show what is recorded now.
      void queryClient.invalidateQueries({ queryKey: reviewKey(id) });
      void queryClient.invalidateQueries({ queryKey: ['mpi', 'reviews'] });
    },
  });
}
