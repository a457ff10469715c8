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
    rolldownOptions: {
      treeshake: {
        // The contracts modules only declare schemas and helpers. Marking them side-effect free lets the
        // bundler drop the TypeBox schemas (and TypeBox itself) when the app only needs types and
        // navigationFor(). Safe to remove once @srp/contracts declares "sideEffects": false itself.
        moduleSideEffects: [{ test: /[\\/]packages[\\/]contracts[\\/]src[\\/]/, sideEffects: false }],
      },
    },
  },
});
