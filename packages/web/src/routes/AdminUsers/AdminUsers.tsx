import { UserAdministration } from '../../features/admin-users/UserList.tsx';
import { AdminLayout } from '../Admin/AdminLayout.tsx';

/** `/admin/users`: the tenant's users and their roles; invite, disable, unlock, reset MFA. */
export function AdminUsers() {
  return (
    <AdminLayout title="Users and roles">
      <UserAdministration />
    </AdminLayout>
  );
}
