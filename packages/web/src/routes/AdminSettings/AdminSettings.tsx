import { TenantSettings } from '../../features/tenant-settings/TenantSettings.tsx';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/settings`: the tenant's name, MFA policy per role and upstream identity providers. */
export function AdminSettings() {
  return (
    <AdminLayout title="Tenant settings">
      <TenantSettings />
    </AdminLayout>
  );
}
