import { writeAuditFilter, type AuditFilter } from './audit-filter.ts';

/** The explorer's address for a filter. */
export function auditExplorerPath(filter: AuditFilter): string {
  const query = writeAuditFilter(filter).toString();
  return `/admin/audit${query ? `?${query}` : ''}`;
}

/** One entry's page; it keeps the filter so "back to the entries" returns to the same list. */
export function auditEntryPath(entryId: string, filter: AuditFilter): string {
  const query = writeAuditFilter(filter).toString();
  return `/admin/audit/${encodeURIComponent(entryId)}${query ? `?${query}` : ''}`;
}
