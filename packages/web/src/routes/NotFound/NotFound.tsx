import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { PageShell } from '../PageShell.tsx';

/** Any address the app does not know. */
export function NotFound() {
  return (
    <PageShell title="Page not found">
      <Card title="Page not found">
        <p>There is no page at this address.</p>
        <p>
          <Link to="/patients">Find a patient</Link> or go to the <Link to="/">start page</Link>.
        </p>
      </Card>
    </PageShell>
  );
}
