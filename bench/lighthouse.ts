// npm run bench:lighthouse — Lighthouse (performance, accessibility, best practices) of the public
// dashboard in Debian's Chromium, plus the gzipped JavaScript the dashboard route loads, measured from
// the Vite build. Not a test: it prints figures, beside the start page as a reference from the same run.
// Starts the real platform with the demo region (built web app required: npm run build).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startTestServer } from '../packages/server/src/test-support/server.js';

const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const DIST = path.resolve(import.meta.dirname, '../packages/web/dist');

/** JavaScript the page loads, from the browser's point of view: every script request, gzipped size. */
function gzippedBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(path.join(DIST, file))).length, 0);
}

const server = await startTestServer({ seedDemo: true, env: { DASHBOARD_MAP_TILE_URL: 'none' } });
const chrome = await chromeLauncher.launch({
  chromePath: CHROME_PATH,
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const pages = [
    { name: 'public dashboard (region)', url: `${server.url}/dashboard` },
    { name: 'municipality dashboard', url: `${server.url}/dashboard/gemeinde/flieden` },
    { name: 'start page (reference)', url: `${server.url}/` },
  ];
  console.log('page'.padEnd(30), 'perf', 'a11y', 'best', '  JS loaded (gzip)');
  for (const page of pages) {
    const result = await lighthouse(page.url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
      formFactor: 'mobile',
    });
    if (!result) throw new Error(`no Lighthouse result for ${page.url}`);
    const { categories, audits } = result.lhr;
    const score = (key: string) => String(Math.round((categories[key]?.score ?? 0) * 100)).padStart(4);
    const requests =
      (audits['network-requests']?.details as { items?: { url: string; resourceType?: string }[] })?.items ??
      [];
    const scripts = requests
      .filter((r) => r.resourceType === 'Script' && r.url.includes('/assets/'))
      .map((r) => `assets/${new URL(r.url).pathname.split('/assets/')[1]}`);
    const kb = (gzippedBytes(scripts) / 1024).toFixed(1);
    console.log(
      page.name.padEnd(30),
      score('performance'),
      score('accessibility'),
      score('best-practices'),
      `  ${kb} KB in ${scripts.length} files`,
    );
  }
} finally {
  chrome.kill();
  await server.close();
}
