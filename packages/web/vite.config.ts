import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';
import purgeCss from '@fullhuman/postcss-purgecss';
import type { Plugin as PostCssPlugin } from 'postcss';
import { compression } from 'vite-plugin-compression2';

// The contracts package exports its TypeScript source under the `source` condition; Vite compiles it
// directly, so the web app never depends on a separate contracts build.
const apiServer = 'http://localhost:3000';

// KERN UX ships one 340 KB stylesheet for all its components; every page waits for it. Keep only the
// selectors our code uses (class names are string literals in src/). Class names built at run time are
// listed here; other stylesheets (ours, Leaflet's, form-js's) are left alone.
const purgeKern = purgeCss({
  content: ['./index.html', './src/**/*.{ts,tsx}'],
  safelist: { standard: [/^kern-alert--/, /^kern-badge--/, /^kern-icon--(info|success|warning|danger)$/] },
});
const purgeKernOnly: PostCssPlugin = {
  postcssPlugin: 'purge-kern-only',
  OnceExit(root, helpers) {
    if (!root.source?.input.file?.includes('@kern-ux')) return;
    return (purgeKern as PostCssPlugin).OnceExit?.(root, helpers);
  },
};

export default defineConfig({
  plugins: [
    react(),
    // Brotli and gzip next to every text asset; the server sends them as they are (no work per request).
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024 }),
  ],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  css: { postcss: { plugins: [purgeKernOnly] } },
  server: {
    proxy: { '/api': apiServer, '/healthz': apiServer },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server reads .vite/manifest.json to preload a route's chunks from index.html (web-pages.ts).
    manifest: true,
  },
});
