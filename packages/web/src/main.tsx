import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import './styles.css';
import './components/components.css';
import { ShortcutProvider } from './components/shortcuts/ShortcutProvider.tsx';
import { initTheme } from './components/theme/use-theme.ts';
import { shouldRetry } from './features/session/should-retry.ts';
import { SessionProvider } from './features/session/SessionProvider.tsx';
import { RequireSession } from './features/session/RequireSession.tsx';
import { AdminReview } from './routes/AdminReview/AdminReview.tsx';
import { AdminReviews } from './routes/AdminReviews/AdminReviews.tsx';
import { Home } from './routes/Home/Home.tsx';
import { NotFound } from './routes/NotFound/NotFound.tsx';
import { PatientChart } from './routes/PatientChart/PatientChart.tsx';
import { PlatformHealth } from './routes/PlatformHealth/PlatformHealth.tsx';
import { Patients } from './routes/Patients/Patients.tsx';
import { SignIn } from './routes/SignIn/SignIn.tsx';

const queryClient = new QueryClient({
  defaultOptions: { queries: { staleTime: 30_000, retry: shouldRetry, refetchOnWindowFocus: false } },
});

const router = createBrowserRouter([
  { path: '/', element: <Home /> },
  { path: '/sign-in', element: <SignIn /> },
  {
    path: '/patients',
    element: (
      <RequireSession>
        <Patients />
      </RequireSession>
    ),
  },
  {
    // The chart's sections are its URLs; `/patients/:id/journey` is the chart's Journey section.
    path: '/patients/:patientId/:section?',
    element: (
      <RequireSession>
        <PatientChart />
      </RequireSession>
    ),
  },
  // The admin area opens on its first screen until it has an overview of its own.
  { path: '/admin', element: <Navigate to="/admin/reviews" replace /> },
  {
    path: '/admin/reviews',
    element: (
      <RequireSession>
        <AdminReviews />
      </RequireSession>
    ),
  },
  {
    path: '/admin/reviews/:reviewId',
    element: (
      <RequireSession>
        <AdminReview />
      </RequireSession>
    ),
  },
  {
    path: '/admin/health',
    element: (
      <RequireSession>
        <PlatformHealth />
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
