// The server's side of the web app's loading speed: pre-compressed files as the browser accepts them,
// hashed assets cached for a year, pages revalidated. Uses a small stand-in for the Vite build.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import i18next from 'i18next';
import { platformNameFor } from '@srp/contracts';
// The web app's German texts, as it renders them: the first screen has to say the same.
import de from '../../../../web/src/locales/de.js';
import type { Municipality, Region } from '../db/schema.js';
import { createTestMunicipality, createTestRegion } from '../../test-support/factories.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const SCRIPT = `console.log(${JSON.stringify('Südkreis '.repeat(300))});`;
const STYLESHEET = '.srp-header{background:url("/assets/x.svg")}';
const PAGE =
  `<!doctype html><html lang="de"><head><title>Smart Region</title>` +
  `<script type="module" crossorigin src="/assets/index-AbC123.js"></script>` +
  `<link rel="modulepreload" crossorigin href="/assets/shared-AbC123.js">` +
  `<link rel="stylesheet" crossorigin href="/assets/index-AbC123.css"></head>` +
  `<body><div id="root"></div>${'<p>x</p>'.repeat(200)}</body></html>`;
// The part of Vite's manifest the server reads: the entry's start-up step (App) and route chunk, the
// dashboard's chunk and what it imports.
const MANIFEST = {
  'index.html': {
    file: 'assets/index-AbC123.js',
    isEntry: true,
    imports: ['_shared.js'],
    dynamicImports: ['src/App.tsx', 'src/pages/areas/DashboardArea.tsx'],
  },
  '_shared.js': { file: 'assets/shared-AbC123.js' },
  'src/App.tsx': { file: 'assets/App-AbC123.js', imports: ['index.html', '_shared.js'] },
  '_tiles.js': { file: 'assets/tiles-AbC123.js', imports: ['_shared.js'] },
  'src/pages/areas/DashboardArea.tsx': {
    file: 'assets/DashboardArea-AbC123.js',
    imports: ['index.html', '_shared.js', '_tiles.js'],
  },
};

const REGION_NAME = 'Süd <Kreis> & "Land"';
let server: TestServer;
let dist: string;
let region: Region;
let municipality: Municipality;
before(async () => {
  dist = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-web-dist-'));
  await fs.mkdir(path.join(dist, 'assets'));
  await fs.mkdir(path.join(dist, '.vite'));
  await fs.writeFile(path.join(dist, '.vite', 'manifest.json'), JSON.stringify(MANIFEST));
  for (const [name, text] of [
    ['assets/index-AbC123.js', SCRIPT],
    ['assets/index-AbC123.css', STYLESHEET],
    ['index.html', PAGE],
  ] as const) {
    await fs.writeFile(path.join(dist, name), text);
    await fs.writeFile(path.join(dist, `${name}.br`), zlib.brotliCompressSync(text));
    await fs.writeFile(path.join(dist, `${name}.gz`), zlib.gzipSync(text));
  }
  server = await startTestServer({ webDist: dist });
  // The only region of this server, so /dashboard shows it; names that need escaping in HTML and JSON.
  region = await createTestRegion(server.ctx.db);
  await server.ctx.db.updateTable('regions').set({ name: REGION_NAME }).where('id', '=', region.id).execute();
  municipality = await createTestMunicipality(server.ctx.db, region, { name: 'Fulda</script><b>' });
});
after(async () => {
  await server.close();
  await fs.rm(dist, { recursive: true, force: true });
});

const get = (url: string, acceptEncoding?: string) =>
  fetch(`${server.url}${url}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

/** The raw body: fetch would decode brotli/gzip itself, which would hide what was sent. */
async function rawBody(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe('serving the web app', () => {
  test('a hashed asset comes as brotli when accepted, with a one-year immutable cache', async () => {
    const response = await get('/assets/index-AbC123.js', 'gzip, deflate, br');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'br');
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(response.headers.get('vary') ?? '', /accept-encoding/i);
    assert.equal((await response.text()).length, SCRIPT.length, 'decodes to the original');
  });

  test('gzip for browsers without brotli, the plain file for clients that accept neither', async () => {
    const gzip = await get('/assets/index-AbC123.js', 'gzip');
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.equal(await gzip.text(), SCRIPT);

    const plain = await get('/assets/index-AbC123.js', 'identity');
    assert.equal(plain.headers.get('content-encoding'), null);
    const body = await rawBody(plain);
    assert.equal(body.toString(), SCRIPT);
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  test('a page path gets index.html compressed, revalidated on every visit, with the region list inline', async () => {
    const response = await get('/buergerservice', 'br');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'br');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('vary') ?? '', /accept-encoding/i);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    // Not a dashboard: the page stays as built, plus the region list.
    assert.ok(html.includes('<div id="root"></div>'));
    assert.ok(html.includes('<link rel="stylesheet" crossorigin href="/assets/index-AbC123.css">'));
    assert.ok(html.includes('<title>Smart Region</title>'));
    const json = /<script id="srp-regions" type="application\/json">(.*?)<\/script>/.exec(html)?.[1];
    assert.ok(json, 'the region list is in the page');
    assert.ok(!json.includes('</'), 'the JSON cannot close the script element');
    const list = JSON.parse(json) as { regions: { name: string; municipalities: { name: string }[] }[] };
    assert.deepEqual(
      list.regions.map((r) => [r.name, r.municipalities.map((m) => m.name)]),
      [['Süd <Kreis> & "Land"', ['Fulda</script><b>']]],
    );
  });

  test('gzip and identity answers carry the same page; If-None-Match gives 304', async () => {
    const br = await get('/', 'br');
    const gzip = await get('/', 'gzip');
    const plain = await get('/', 'identity');
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.equal(plain.headers.get('content-encoding'), null);
    const text = await br.text();
    assert.equal(await gzip.text(), text);
    assert.equal((await rawBody(plain)).toString(), text);
    const etag = br.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('a dashboard path gets its heading and lead as HTML and preloads the dashboard chunk', async () => {
    for (const [url, name] of [
      ['/dashboard', region.name],
      [`/dashboard/region/${region.slug}`, region.name],
      [`/dashboard/gemeinde/${municipality.slug}`, municipality.name],
    ] as const) {
      const html = await (await get(url, 'br')).text();
      const heading = /<h1 tabindex="-1" class="kern-heading-x-large">(.*?)<\/h1>/.exec(html)?.[1];
      assert.equal(
        heading,
        name === region.name
          ? 'Dashboard Süd &#60;Kreis&#62; &#38; &#34;Land&#34;'
          : 'Dashboard Fulda&#60;/script&#62;&#60;b&#62;',
        url,
      );
      assert.match(html, /<p class="kern-body kern-body--large">Messwerte aus der Region/);
      assert.match(html, /<main id="main" tabindex="-1" class="kern-container srp-main">/);
      // The stylesheet comes inline: the first screen paints without another request.
      assert.ok(html.includes(`<style>${STYLESHEET}</style>`), url);
      assert.ok(!html.includes('index-AbC123.css'), url);
      assert.match(
        html,
        /<a href="\/dashboard" class="srp-nav__link active" aria-current="page">Dashboard<\/a>/,
      );
      assert.match(
        html,
        /<title>Dashboard [^<]+ – Smart Region Süd &#60;Kreis&#62; &#38; &#34;Land&#34;<\/title>/,
      );
      // The chunk and what it imports, each once: the shared chunk's link is the built page's own.
      const preloads = [
        ...html.matchAll(/<link rel="modulepreload" crossorigin(?: fetchpriority="low")? href="([^"]+)">/g),
      ].map((m) => m[1]);
      assert.deepEqual(preloads.sort(), [
        '/assets/App-AbC123.js',
        '/assets/DashboardArea-AbC123.js',
        '/assets/shared-AbC123.js',
        '/assets/tiles-AbC123.js',
      ]);
      // Ours at low priority, so the bandwidth of a slow line goes to the page, its stylesheet and fonts
      // first; the built page's own link (the entry's import) keeps the browser's default.
      assert.match(
        html,
        /<link rel="modulepreload" crossorigin fetchpriority="low" href="\/assets\/App-AbC123.js">/,
      );
      assert.match(html, /<link rel="modulepreload" crossorigin href="\/assets\/shared-AbC123.js">/);
    }
  });

  test('every page preloads the start-up steps of the entry, but no route chunk', async () => {
    const html = await (await get('/', 'br')).text();
    const preloads = [
      ...html.matchAll(/<link rel="modulepreload" crossorigin(?: fetchpriority="low")? href="([^"]+)">/g),
    ].map((m) => m[1]);
    assert.deepEqual(preloads.sort(), ['/assets/App-AbC123.js', '/assets/shared-AbC123.js']);
  });

  test('the first screen says what the app says in German: header, skip link, heading, lead', async () => {
    const app = i18next.createInstance();
    await app.init({
      resources: { de: { translation: de } },
      lng: 'de',
      interpolation: { escapeValue: false },
    });
    const html = await (await get(`/dashboard/gemeinde/${municipality.slug}`, 'br')).text();
    const root = /<div id="root">(.*?)<\/main>/s.exec(html)?.[1] ?? '';
    // Every text between tags and every aria-label, decoded, in document order.
    const decode = (text: string) =>
      text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    const texts = [...root.matchAll(/aria-label="([^"]*)"|>([^<]+)</g)].map((m) => decode(m[1] ?? m[2]!));
    assert.deepEqual(texts, [
      app.t('common.skipLink'),
      platformNameFor([{ name: REGION_NAME }], app.t('common.platformName')),
      app.t('header.menu'),
      app.t('header.mainNavigation'),
      app.t('areas.dashboard.name'),
      app.t('areas.services.name'),
      app.t('header.switchLanguage'),
      app.t('header.login'),
      app.t('dashboard.municipalityTitle', { name: municipality.name }),
      app.t('dashboard.lead'),
    ]);
    const regionPage = await (await get('/dashboard', 'br')).text();
    const heading = /<h1[^>]*>(.*?)<\/h1>/.exec(regionPage)?.[1] ?? '';
    assert.equal(decode(heading), app.t('dashboard.regionTitle', { name: REGION_NAME }));
  });

  test('an unknown dashboard gets the plain page (the app shows its own message)', async () => {
    for (const url of [
      '/dashboard/gemeinde/gibt-es-nicht',
      '/dashboard/kachel/1',
      '/dashboard/region/nirgends',
    ]) {
      const html = await (await get(url, 'br')).text();
      assert.ok(html.includes('<div id="root"></div>'), url);
      assert.ok(!html.includes('DashboardArea'), url);
    }
  });

  test('a missing asset stays a 404, not the page', async () => {
    const response = await get('/assets/missing-123.js', 'br');
    assert.equal(response.status, 404);
  });
});
