import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { AuditExplorer } from '../../features/audit-explorer/AuditExplorer.tsx';
import { readAuditFilter } from '../../features/audit-explorer/audit-filter.ts';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/audit`: the audit trail, filtered by `?user=&patient=&action=&kind=&outcome=&from=&to=`. */
export function AdminAudit() {
  const [params] = useSearchParams();
  const filter = useMemo(() => readAuditFilter(params), [params]);
  return (
    <AdminLayout title="Audit explorer">
      <AuditExplorer filter={filter} />
    </AdminLayout>
  );
}
