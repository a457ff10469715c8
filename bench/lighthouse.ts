// npm run bench:lighthouse — Lighthouse (performance, accessibility, best practices) of the public
// dashboard in Debian's Chromium, plus the gzipped JavaScript the dashboard route loads, measured from
// the Vite build. Not a test: it prints figures, beside the start page as a reference from the same run.
// Starts the real platform with the demo region (built web app required: npm run build).
// `-- --rounds N` measures every page N times (interleaved, so machine load hits all pages alike) and
// prints the median; `-- --json DIR` keeps each full Lighthouse report for a closer look.
// `-- --dist DIR` (repeatable) measures other builds of the web app instead of packages/web/dist; with
// several, they run interleaved, so a before/after comparison sees the same machine load.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startTestServer, type TestServer } from '../packages/server/src/test-support/server.js';

const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    json: { type: 'string' },
    dist: { type: 'string', multiple: true },
  },
});
const rounds = Math.max(1, Number(args.rounds));
const dists = (args.dist ?? [path.resolve(import.meta.dirname, '../packages/web/dist')]).map((d) =>
  path.resolve(d),
);

/** JavaScript the page loads, from the browser's point of view: every script request, gzipped size. */
function gzippedBytes(dist: string, files: readonly string[]): number {
  return files.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(path.join(dist, file))).length, 0);
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
  /** Main-thread tasks over 50 ms, as the long-tasks audit lists them (durations scaled to its phone CPU). */
  longTasks: number;
  longTaskMs: number;
  /** All main-thread work during the load, as Lighthouse's breakdown sums it. */
  mainThreadMs: number;
  js: string;
}

/** Median of the rounds that produced the figure (Lighthouse gives up now and then on a busy machine). */
function median(values: number[]): number {
  const measured = values.filter(Number.isFinite).sort((a, b) => a - b);
  return measured.length ? measured[Math.floor(measured.length / 2)]! : NaN;
}

// One after the other: starting several at once on a busy machine runs into Fastify's plugin timeout.
const servers: TestServer[] = [];
for (const webDist of dists)
  servers.push(await startTestServer({ seedDemo: true, webDist, env: { DASHBOARD_MAP_TILE_URL: 'none' } }));
const chrome = await chromeLauncher.launch({
  chromePath: CHROME_PATH,
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const pages = servers.flatMap((server, build) => {
    const suffix = dists.length > 1 ? ` [${build}]` : '';
    return [
      { name: `public dashboard (region)${suffix}`, url: `${server.url}/dashboard`, dist: dists[build]! },
      {
        name: `municipality dashboard${suffix}`,
        url: `${server.url}/dashboard/gemeinde/flieden`,
        dist: dists[build]!,
      },
      { name: `start page (reference)${suffix}`, url: `${server.url}/`, dist: dists[build]! },
    ];
  });
  if (dists.length > 1) dists.forEach((dist, build) => console.log(`[${build}] ${dist}`));
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
      const longTasks =
        (audits['long-tasks']?.details as { items?: { duration: number }[] } | undefined)?.items ?? [];
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
        longTasks: longTasks.length,
        longTaskMs: longTasks.reduce((sum, task) => sum + task.duration, 0),
        mainThreadMs: metric('mainthread-work-breakdown'),
        js: `${(gzippedBytes(page.dist, scripts) / 1024).toFixed(1)} KB in ${scripts.length} files`,
      });
    }
  console.log(
    `${'page'.padEnd(31)} perf a11y best   FCP ms   LCP ms  TBT ms   CLS  transfer  long tasks  main thread  JS loaded (gzip)` +
      (rounds > 1 ? `   (median of ${rounds}; perf of each round)` : ''),
  );
  for (const page of pages) {
    const runs = results.get(page.name)!;
    const m = (key: keyof Omit<Figures, 'js'>) => median(runs.map((r) => r[key]));
    console.log(
      page.name.padEnd(31),
      String(m('perf')).padStart(4),
      String(m('a11y')).padStart(4),
      String(m('best')).padStart(4),
      m('fcp').toFixed(0).padStart(8),
      m('lcp').toFixed(0).padStart(8),
      m('tbt').toFixed(0).padStart(7),
      m('cls').toFixed(3).padStart(5),
      `${(m('bytes') / 1024).toFixed(0)} KB`.padStart(9),
      `${m('longTasks')} / ${m('longTaskMs').toFixed(0)} ms`.padStart(11),
      `${m('mainThreadMs').toFixed(0)} ms`.padStart(12),
      ` ${runs[0]!.js}`,
      rounds > 1 ? `  (${runs.map((r) => r.perf).join(', ')})` : '',
    );
  }
} finally {
  chrome.kill();
  await Promise.all(servers.map((server) => server.close()));
}
