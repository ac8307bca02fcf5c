import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import './styles.css';
import './components/components.css';
import { ShortcutProvider } from './components/shortcuts/ShortcutProvider.tsx';
import { initTheme } from './components/theme/use-theme.ts';
import { shouldRetry } from './features/session/should-retry.ts';
import { SessionProvider } from './features/session/SessionProvider.tsx';
import { NoAccess } from './features/session/NoAccess.tsx';
import { RequireSession } from './features/session/RequireSession.tsx';
import { Home } from './routes/Home/Home.tsx';
import { NotFound } from './routes/NotFound/NotFound.tsx';
import { Portal } from './routes/Portal/Portal.tsx';
import { Patients } from './routes/Patients/Patients.tsx';
import { SignIn } from './routes/SignIn/SignIn.tsx';
import { SignInCallback } from './routes/SignIn/SignInCallback.tsx';
import { Workspace } from './routes/Workspace/Workspace.tsx';

// Screens that bring their own large dependencies (charts, D3) load when first opened, keeping the
// initial download small; RequireSession shows a loading state meanwhile.
const loadPatientChart = () =>
  import('./routes/PatientChart/PatientChart.tsx').then((m) => ({ default: m.PatientChart }));
const PatientChart = lazy(loadPatientChart);
// A chart opened directly (a bookmark, a reload) fetches its code while the sign-in is restored.
if (/^\/patients\/[^/]+/.test(window.location.pathname)) {
  void loadPatientChart();
}
const AdminReviews = lazy(() =>
  import('./routes/AdminReviews/AdminReviews.tsx').then((m) => ({ default: m.AdminReviews })),
);
const AdminReview = lazy(() =>
  import('./routes/AdminReview/AdminReview.tsx').then((m) => ({ default: m.AdminReview })),
);
const PlatformHealth = lazy(() =>
  import('./routes/PlatformHealth/PlatformHealth.tsx').then((m) => ({ default: m.PlatformHealth })),
);
const AdminUsers = lazy(() => import('./routes/AdminUsers/AdminUsers.tsx').then((m) => ({ default: m.AdminUsers })));
const AdminSettings = lazy(() =>
  import('./routes/AdminSettings/AdminSettings.tsx').then((m) => ({ default: m.AdminSettings })),
);
const AdminAudit = lazy(() => import('./routes/AdminAudit/AdminAudit.tsx').then((m) => ({ default: m.AdminAudit })));
const AdminAuditEntry = lazy(() =>
  import('./routes/AdminAuditEntry/AdminAuditEntry.tsx').then((m) => ({ default: m.AdminAuditEntry })),
);

const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 30_000, retry: shouldRetry, refetchOnWindowFocus: false } },
});

const router = createBrowserRouter([
  { path: '/', element: <Home /> },
  { path: '/sign-in', element: <SignIn /> },
  { path: '/sign-in/callback', element: <SignInCallback /> },
  {
    path: '/workspace',
    element: (
      <RequireSession area="workspace">
        <Workspace />
      </RequireSession>
    ),
  },
  {
    path: '/patients',
    element: (
      <RequireSession area="patients">
        <Patients />
      </RequireSession>
    ),
  },
  {
    // The chart's sections are its URLs; `/patients/:id/journey` is the chart's Journey section.
    path: '/patients/:patientId/:section?',
    element: (
      <RequireSession area="chart">
        <PatientChart />
      </RequireSession>
    ),
  },
  // The admin area opens on its first screen until it has an overview of its own.
  { path: '/admin', element: <Navigate to="/admin/users" replace /> },
  {
    path: '/admin/users',
    element: (
      <RequireSession area="admin">
        <AdminUsers />
      </RequireSession>
    ),
  },
  {
    path: '/admin/settings',
    element: (
      <RequireSession area="admin">
        <AdminSettings />
      </RequireSession>
    ),
  },
  {
    path: '/admin/audit',
    element: (
      <RequireSession area="admin">
        <AdminAudit />
      </RequireSession>
    ),
  },
  {
    path: '/admin/audit/:entryId',
    element: (
      <RequireSession area="admin">
        <AdminAuditEntry />
      </RequireSession>
    ),
  },
  {
    path: '/admin/reviews',
    element: (
      <RequireSession area="admin">
        <AdminReviews />
      </RequireSession>
    ),
  },
  {
    path: '/admin/reviews/:reviewId',
    element: (
      <RequireSession area="admin">
        <AdminReview />
      </RequireSession>
    ),
  },
  {
    path: '/admin/health',
    element: (
      <RequireSession area="admin">
        <PlatformHealth />
      </RequireSession>
    ),
  },
  {
    // The patient portal; its sections are its URLs (`/portal/appointments`).
    path: '/portal/:section?',
    element: (
      <RequireSession area="portal">
        <Portal />
      </RequireSession>
    ),
  },
  {
    // Where a user whose roles open no area of the app lands after signing in.
    path: '/no-access',
    element: (
      <RequireSession>
        <NoAccess />
      </RequireSession>
    ),
  },
  { path: '*', element: <NotFound /> },
]);

// Before the first render, so a page never flashes in the other theme.
initTheme();

const root = document.getElementById('root');
if (!root) {
  throw new Error('index.html has no #root element');
}
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <ShortcutProvider>
          <RouterProvider router={router} />
        </ShortcutProvider>
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
