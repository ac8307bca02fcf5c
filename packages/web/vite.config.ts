import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * During `npm run dev`, the API runs separately (`caregraph serve`, port 8080 by default). Sign-in
 * goes through the proxy too: start the server with CAREGRAPH_BASE_URL=http://localhost:5173 so its
 * issuer and the web app's redirect URI are this origin.
 */
const API_SERVER = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: Object.fromEntries(
      ['/fhir', '/api', '/oauth', '/.well-known', '/healthz', '/readyz', '/metrics'].map((path) => [path, API_SERVER]),
    ),
  },
});
