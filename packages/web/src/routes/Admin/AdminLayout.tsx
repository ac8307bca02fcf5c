import type { ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { useShortcuts } from '../../components/shortcuts/ShortcutProvider.tsx';
import { PageShell } from '../PageShell.tsx';
import { ADMIN_SECTIONS } from './admin-sections.ts';
import './admin.css';

type AdminLayoutProps = {
  /** The screen's name: the page heading and the browser tab's title. */
  title: string;
  children: ReactNode;
};

/** The frame of every admin screen: the admin area's own navigation beside the screen. */
export function AdminLayout({ title, children }: AdminLayoutProps) {
  const navigate = useNavigate();
  useShortcuts(
    ADMIN_SECTIONS.flatMap((section) =>
      section.keys === undefined
        ? []
        : [
            {
              keys: section.keys,
              description: `Go to ${section.label.toLowerCase()}`,
              group: 'Admin',
              run: () => void navigate(section.path),
            },
          ],
    ),
  );
  return (
    <PageShell title={`Admin · ${title}`} wide>
      <div className="admin">
        <nav className="admin__nav" aria-label="Admin">
          <p className="admin__nav-title">Admin</p>
          <ul>
            {ADMIN_SECTIONS.map((section) => (
              <li key={section.path}>
                <NavLink to={section.path}>{section.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="admin__content">
          <h1 className="admin__title">{title}</h1>
          {children}
        </div>
      </div>
    </PageShell>
  );
}
