/** The screens of the admin area, in the order of its navigation; `keys` is a shortcut to open one. */
export const ADMIN_SECTIONS: readonly { path: string; label: string; keys?: string }[] = [
  { path: '/admin/users', label: 'Users and roles', keys: 'g u' },
  { path: '/admin/settings', label: 'Tenant settings', keys: 'g s' },
  { path: '/admin/audit', label: 'Audit explorer', keys: 'g a' },
  { path: '/admin/reviews', label: 'Duplicate reviews' },
  { path: '/admin/health', label: 'Platform health' },
];
