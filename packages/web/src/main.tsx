import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import './styles.css';
import './components/components.css';
import { shouldRetry } from './features/session/should-retry.ts';
import { SessionProvider } from './features/session/SessionProvider.tsx';
import { RequireSession } from './features/session/RequireSession.tsx';
import { Home } from './routes/Home/Home.tsx';
import { NotFound } from './routes/NotFound/NotFound.tsx';
import { PatientChart } from './routes/PatientChart/PatientChart.tsx';
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
  { path: '*', element: <NotFound /> },
]);

const root = document.getElementById('root');
if (!root) {
  throw new Error('index.html has no #root element');
}
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
