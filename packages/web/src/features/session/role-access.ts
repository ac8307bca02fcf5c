// Which screens each role uses: the navigation it sees, where it lands after signing in, and which
// areas answer "no access" instead of a screen that would only fail request by request. The server
// decides what each request may read; this only keeps people out of screens that are not for them.
import type { Role } from './session-user.ts';

/** The app's areas, each a group of routes. */
export type Area = 'workspace' | 'patients' | 'chart' | 'admin' | 'portal';

const AREA_ROLES: Readonly<Record<Area, readonly Role[]>> = {
  workspace: ['clinician', 'nurse', 'staff'],
  patients: ['clinician', 'nurse', 'staff'],
  // The front desk finds patients and books them, but reads no clinical record (server role policy).
  chart: ['clinician', 'nurse'],
  admin: ['admin'],
  portal: ['patient'],
};

/** Whether any of the roles may open the area. */
export function canOpen(area: Area, roles: readonly Role[]): boolean {
  return roles.some((role) => AREA_ROLES[area].includes(role));
}

export type NavigationItem = { to: string; label: string; area: Area; end?: boolean };

/** The main navigation for a set of roles, in the order it is shown. */
export function navigationFor(roles: readonly Role[]): NavigationItem[] {
  const isClinical = roles.includes('clinician') || roles.includes('nurse');
  const items: NavigationItem[] = [];
  if (canOpen('workspace', roles)) {
    items.push({ to: '/workspace', label: isClinical ? 'My workspace' : 'Schedule', area: 'workspace' });
  }
  if (canOpen('patients', roles)) {
    items.push({ to: '/patients', label: 'Patients', area: 'patients', end: true });
  }
  if (canOpen('admin', roles)) {
    items.push({ to: '/admin', label: 'Admin', area: 'admin' });
  }
  if (canOpen('portal', roles)) {
    items.push({ to: '/portal', label: 'My health record', area: 'portal' });
  }
  return items;
}

/** Where a user lands after signing in when no page asked for it: the first screen of their navigation. */
export function homePathFor(roles: readonly Role[]): string {
  return navigationFor(roles)[0]?.to ?? '/no-access';
}
