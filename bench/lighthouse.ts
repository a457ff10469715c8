// npm run bench:lighthouse — Lighthouse (performance, accessibility, best practices) of the public
// dashboard in Debian's Chromium, plus the gzipped JavaScript the dashboard route loads, measured from
// the Vite build. Not a test: it prints figures, beside the start page as a reference from the same run.
// Starts the real platform with the demo region (built web app required: npm run build).
// `-- --rounds N` measures every page N times (interleaved, so machine load hits all pages alike) and
// prints the median; `-- --json DIR` keeps each full Lighthouse report for a closer look.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startTestServer } from '../packages/server/src/test-support/server.js';

const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const DIST = path.resolve(import.meta.dirname, '../packages/web/dist');
const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '1' }, json: { type: 'string' } },
});
const rounds = Math.max(1, Number(args.rounds));

/** JavaScript the page loads, from the browser's point of view: every script request, gzipped size. */
function gzippedBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(path.join(DIST, file))).length, 0);
}

interface Figures {
  perf: number;
  a11y: number;
  best: number;
  fcp: number;
  lcp: number;
  tbt: number;
  cls: number;
  bytes: number;
  js: string;
}

/** Median of the rounds that produced the figure (Lighthouse gives up now and then on a busy machine). */
function median(values: number[]): number {
  const measured = values.filter(Number.isFinite).sort((a, b) => a - b);
  return measured.length ? measured[Math.floor(measured.length / 2)]! : NaN;
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
  if (args.json) fs.mkdirSync(args.json, { recursive: true });
  const results = new Map<string, Figures[]>(pages.map((p) => [p.name, []]));
  for (let round = 0; round < rounds; round++)
    for (const [index, page] of pages.entries()) {
      const result = await lighthouse(page.url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
        formFactor: 'mobile',
      });
      if (!result) throw new Error(`no Lighthouse result for ${page.url}`);
      if (args.json)
        fs.writeFileSync(path.join(args.json, `${index}-${round}.json`), JSON.stringify(result.lhr));
      const { categories, audits } = result.lhr;
      // A failed audit (no score) stays out of the median instead of counting as 0.
      const score = (key: string) => {
        const value = categories[key]?.score;
        return value === null || value === undefined ? NaN : Math.round(value * 100);
      };
      const metric = (key: string) => audits[key]?.numericValue ?? NaN;
      const requests =
        (audits['network-requests']?.details as { items?: { url: string; resourceType?: string }[] })
          ?.items ?? [];
      const scripts = requests
        .filter((r) => r.resourceType === 'Script' && r.url.includes('/assets/'))
        .map((r) => `assets/${new URL(r.url).pathname.split('/assets/')[1]}`);
      results.get(page.name)!.push({
        perf: score('performance'),
        a11y: score('accessibility'),
        best: score('best-practices'),
        fcp: metric('first-contentful-paint'),
        lcp: metric('largest-contentful-paint'),
        tbt: metric('total-blocking-time'),
        cls: metric('cumulative-layout-shift'),
        bytes: metric('total-byte-weight'),
        js: `${(gzippedBytes(scripts) / 1024).toFixed(1)} KB in ${scripts.length} files`,
      });
    }
  console.log(
    `${'page'.padEnd(27)} perf a11y best   FCP ms   LCP ms  TBT ms   CLS  transfer  JS loaded (gzip)` +
      (rounds > 1 ? `   (median of ${rounds}; perf of each round)` : ''),
  );
  for (const page of pages) {
    const runs = results.get(page.name)!;
    const m = (key: keyof Omit<Figures, 'js'>) => median(runs.map((r) => r[key]));
    console.log(
      page.name.padEnd(27),
      String(m('perf')).padStart(4),
      String(m('a11y')).padStart(4),
      String(m('best')).padStart(4),
      m('fcp').toFixed(0).padStart(8),
      m('lcp').toFixed(0).padStart(8),
      m('tbt').toFixed(0).padStart(7),
      m('cls').toFixed(3).padStart(5),
      `${(m('bytes') / 1024).toFixed(0)} KB`.padStart(9),
      ` ${runs[0]!.js}`,
      rounds > 1 ? `  (${runs.map((r) => r.perf).join(', ')})` : '',
    );
  }
} finally {
  chrome.kill();
  await server.close();
}
