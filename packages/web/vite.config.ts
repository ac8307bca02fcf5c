import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** During `npm run dev`, the API runs separately (`caregraph serve`, port 8080 by default). */
const API_SERVER = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: Object.fromEntries(['/fhir', '/healthz', '/readyz', '/metrics'].map((path) => [path, API_SERVER])),
  },
});
