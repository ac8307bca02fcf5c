import type { ReactNode } from 'react';
import { useWindowRows } from './use-window-rows.ts';

type VirtualTableBodyProps<T> = {
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** The cells of one row. */
  renderCells: (row: T) => ReactNode;
  rowClassName?: (row: T) => string | undefined;
  /** A typical row's height in pixels. */
  estimateSize: number;
  /** More rows can be fetched (the FHIR search has a next page and none is loading). */
  hasMore?: boolean;
  onEndReached?: () => void;
};

/**
 * The body of a long table, virtualised: only the rows near the viewport are in the DOM, between
 * two spacer rows that keep the scroll height. Each drawn row carries its aria-rowindex (the
 * header row is 1), so pair it with `aria-rowcount` on the table; see {@link tableRowCount}.
 */
export function VirtualTableBody<T>({
  rows,
  rowKey,
  renderCells,
  rowClassName,
  estimateSize,
  hasMore,
  onEndReached,
}: VirtualTableBodyProps<T>) {
  const virtual = useWindowRows<HTMLTableSectionElement>({
    count: rows.length,
    estimateSize,
    ...(hasMore === undefined ? {} : { hasMore }),
    ...(onEndReached ? { onEndReached } : {}),
  });
  return (
    <tbody ref={virtual.containerRef}>
      {virtual.paddingTop > 0 && (
        <tr aria-hidden="true" className="virtual-spacer" style={{ height: virtual.paddingTop }} />
      )}
      {virtual.items.map((item) => {
        const row = rows[item.index];
        return row === undefined ? null : (
          <tr
            key={rowKey(row)}
            ref={virtual.measureRef}
            data-index={item.index}
            aria-rowindex={item.index + 2}
            className={rowClassName?.(row)}
          >
            {renderCells(row)}
          </tr>
        );
      })}
      {virtual.paddingBottom > 0 && (
        <tr aria-hidden="true" className="virtual-spacer" style={{ height: virtual.paddingBottom }} />
      )}
    </tbody>
  );
}

/**
 * `aria-rowcount` of a virtualised table with one header row: the total when the server counted
 * it, -1 (unknown, per WAI-ARIA) while more pages may follow, else the rows loaded.
 */
export function tableRowCount(loaded: number, total: number | undefined, hasMore: boolean): number {
  if (total !== undefined) {
    return total + 1;
  }
  return hasMore ? -1 : loaded + 1;
}
