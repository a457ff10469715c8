import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

// The contracts package exports its TypeScript source under the `source` condition; Vite compiles it
// directly, so the web app never depends on a separate contracts build.
const apiServer = 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    proxy: { '/api': apiServer, '/healthz': apiServer },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
