import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { PageShell } from '../../routes/PageShell.tsx';
import { homePathFor } from './role-access.ts';
import { useSessionUser } from './SessionProvider.tsx';

/** The 403 state: a page the signed-in user's roles do not open, said plainly, with the way back. */
export function NoAccess() {
  const user = useSessionUser();
  return (
    <PageShell title="No access">
      <Card title="You do not have access to this page">
        <div className="form-error" role="alert" data-testid="no-access">
          This page is not available to your account ({user.roles.join(', ') || 'no role'}). If you need it, ask an
          administrator of your organisation.
        </div>
        <p>
          <Link to={homePathFor(user.roles)}>Go to your start page</Link>
        </p>
      </Card>
    </PageShell>
  );
}
