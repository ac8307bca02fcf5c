import { useMemo } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { AuditEntryDetail } from '../../features/audit-explorer/AuditEntryDetail.tsx';
import { readAuditFilter } from '../../features/audit-explorer/audit-filter.ts';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/audit/:entryId`: one audit entry and its inclusion proof, verified in the page. */
export function AdminAuditEntry() {
  const { entryId = '' } = useParams();
  const [params] = useSearchParams();
  const filter = useMemo(() => readAuditFilter(params), [params]);
  return (
    <AdminLayout title="Audit entry">
      <AuditEntryDetail entryId={entryId} filter={filter} />
    </AdminLayout>
  );
}
