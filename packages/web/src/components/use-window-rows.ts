import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';

type WindowRowsOptions = {
  count: number;
  /** A typical row's height in pixels; rows are measured once drawn. */
  estimateSize: number;
  /** Called when the last rows come into view and `hasMore` is true (the next FHIR page). */
  onEndReached?: () => void;
  hasMore?: boolean;
};

/** Rows drawn beyond the viewport on each side, so fast scrolling and Tab rarely meet an undrawn row. */
const OVERSCAN = 12;

/** How close to the end (in rows) the next page is asked for. */
const END_THRESHOLD = 10;

/**
 * Virtualises the rows of a list or table that scrolls with the page: only the rows near the
 * viewport are in the DOM, and spacers above and below keep the scroll height of all of them.
 * Attach `containerRef` to the list (or tbody), `measureRef` and `data-index` to each row.
 */
export function useWindowRows<T extends HTMLElement>({
  count,
  estimateSize,
  onEndReached,
  hasMore,
}: WindowRowsOptions) {
  const containerRef = useRef<T>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  // Where the list starts on the page moves when content above it changes (a form opens).
  useLayoutEffect(() => {
    const element = containerRef.current;
    if (!element) {
      return;
    }
    const top = Math.round(element.getBoundingClientRect().top + window.scrollY);
    if (top !== scrollMargin) {
      setScrollMargin(top);
    }
  });
  const virtualizer = useWindowVirtualizer({
    count,
    estimateSize: () => estimateSize,
    overscan: OVERSCAN,
    scrollMargin,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0];
  const last = items.at(-1);
  const lastIndex = last?.index ?? -1;
  const onEndReachedRef = useRef(onEndReached);
  useEffect(() => {
    onEndReachedRef.current = onEndReached;
  });
  useEffect(() => {
    if (hasMore && count > 0 && lastIndex >= count - 1 - END_THRESHOLD) {
      onEndReachedRef.current?.();
    }
  }, [hasMore, count, lastIndex]);
  return {
    containerRef,
    items,
    /** Height of the rows not drawn above the first drawn one. */
    paddingTop: first ? Math.max(0, first.start - scrollMargin) : 0,
    /** Height of the rows not drawn below the last drawn one. */
    paddingBottom: last ? Math.max(0, virtualizer.getTotalSize() - (last.end - scrollMargin)) : 0,
    measureRef: virtualizer.measureElement,
  };
}
