import { PlatformHealthPanel } from '../../features/platform-health/PlatformHealthPanel.tsx';
import { PageShell } from '../PageShell.tsx';

/** `/admin/health`: the server's request rate, latency, errors and database size, live. */
export function PlatformHealth() {
  return (
    <PageShell title="Platform health" wide>
      <h1 className="platform-health__title">Platform health</h1>
      <PlatformHealthPanel />
    </PageShell>
  );
}
