/** The screens of the admin area, in the order of its navigation. */
export const ADMIN_SECTIONS: readonly { path: string; label: string }[] = [
  { path: '/admin/reviews', label: 'Duplicate reviews' },
  { path: '/admin/health', label: 'Platform health' },
];
