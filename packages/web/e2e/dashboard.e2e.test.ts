// The public dashboards, the embed page, the tile editor and the internal sensor view in Chromium:
// content, live updates over SSE, the map's fallback without tiles (no internet in tests), WCAG 2.1 AA
// with axe, no horizontal scrolling on a phone, and screenshots for a person to look at.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { PublicDashboard } from '@srp/contracts';
import type { Page } from 'playwright-core';
import { assertNoAxeViolations, browserSuite, PHONE, screenshotPath, settled, withPage } from './support.js';

async function noHorizontalScroll(page: Page, what: string): Promise<void> {
  const w = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  assert.ok(w[0]! <= w[1]!, `${what} is ${w[0]}px wide on a ${w[1]}px screen`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  const file = screenshotPath(name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

/** Plausible values per unit, so charts and bands look like the real thing. */
function valueFor(unit: string | null, i: number, id: number): number {
  const wave = Math.sin((i + id) / 5);
  switch (unit) {
    case '%':
      return Math.round(55 + 35 * wave);
    case 'cm':
      return Math.round(90 + 40 * wave);
    case '°C':
      return Math.round((8 + 4 * wave) * 10) / 10;
    case 'mm':
      return Math.max(0, Math.round(wave * 20) / 10);
    case 'm/s':
      return Math.round((3 + 2 * wave) * 10) / 10;
    default:
      return Math.max(0, Math.round(20 + 15 * wave));
  }
}

void describe('public dashboard in the browser', () => {
  // A tile server that refuses connections: the map must fall back to markers on a plain background.
  const suite = browserSuite({ DASHBOARD_MAP_TILE_URL: 'http://127.0.0.1:9/{z}/{x}/{y}.png' });
  let dashboard: PublicDashboard;

  before(async () => {
    const res = await fetch(`${suite.server.url}/api/public/dashboard`);
    dashboard = (await res.json()) as PublicDashboard;
    const now = Date.now();
    for (const tile of dashboard.tiles)
      for (const d of tile.datastreams)
        await suite.server.ctx.observations.create(
          tile.municipalityId,
          Array.from({ length: 48 }, (_, i) => ({
            datastreamId: d.id,
            phenomenonTime: { start: new Date(now - (48 - i) * 3_600_000), end: null },
            result: valueFor(d.unit, i, d.id),
          })),
        );
  });

  void test('the region dashboard shows tiles per field of action, a map without tiles and passes axe', async () => {
    assert.ok(dashboard.tiles.length >= 8, 'the demo publishes tiles for the region');
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/dashboard`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard Südkreis' }).waitFor();
      await settled(page);
      for (const field of ['Wetter', 'Wasserstände', 'Abfall', 'Parken'])
        await page.getByRole('heading', { level: 2, name: field, exact: true }).waitFor();
      // The map follows the tiles and loads Leaflet only once it comes near the viewport.
      await page.getByTestId('map').scrollIntoViewIfNeeded();
      await page.locator('[data-testid="map"][data-tiles="failed"]').waitFor();
      await page.getByTestId('map-fallback').waitFor();
      assert.ok(
        (await page.locator('.srp-map .leaflet-interactive').count()) >= 5,
        'markers on the plain map',
      );
      // Containers: the fill level is in the text as well, with the band's name.
      await page
        .getByTestId('fill-item')
        .first()
        .getByText(/Füllstand: \d+ %/)
        .waitFor();
      await page
        .getByRole('img', { name: /Wasserstand .*Verlauf über 7 Tage/ })
        .first()
        .waitFor();
      await page.getByTestId('trend').first().waitFor();
      await assertNoAxeViolations(page, 'region dashboard');
      await shoot(page, 'dashboard-region-desktop.png');
      await page.getByTestId('map').screenshot({ path: screenshotPath('dashboard-map.png') });
    });
  });

  void test('the region dashboard works on a phone, in English too', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/dashboard`);
        await settled(page);
        await page.getByTestId('tile').first().waitFor();
        await noHorizontalScroll(page, 'the region dashboard');
        await shoot(page, 'dashboard-region-360.png');
        await page.getByRole('button', { name: 'Menü' }).click();
        await page.getByRole('button', { name: 'English' }).click();
        await page.getByRole('heading', { level: 2, name: 'Water levels' }).waitFor();
        await assertNoAxeViolations(page, 'region dashboard in English on a phone');
      },
      PHONE,
    );
  });

  void test('a municipality dashboard shows only its tiles and updates live over SSE', async () => {
    const flieden = dashboard.municipalities.find((m) => m.slug === 'flieden')!;
    const res = await fetch(`${suite.server.url}/api/public/dashboard?municipality=flieden`);
    const own = (await res.json()) as PublicDashboard;
    assert.ok(own.tiles.every((t) => t.municipalityId === flieden.id));
    const weather = own.tiles.find((t) => t.fieldOfAction === 'weather' && t.chartType === 'value')!;
    const temperature = weather.datastreams.find((d) => d.unit === '°C')!;

    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/dashboard/gemeinde/flieden`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard Flieden' }).waitFor();
      await settled(page);
      // Tiles are drawn a few at a time; the map section comes after the last one.
      await page.getByTestId('map').waitFor({ state: 'attached' });
      assert.equal(await page.getByTestId('tile').count(), own.tiles.length);
      await page.locator('[data-live="open"]').waitFor();
      await suite.server.ctx.observations.create(flieden.id, [
        { datastreamId: temperature.id, phenomenonTime: { start: new Date(), end: null }, result: 31.7 },
      ]);
      await page.locator(`[data-datastream="${temperature.id}"]`, { hasText: '31,7 °C' }).first().waitFor();
      await assertNoAxeViolations(page, 'municipality dashboard');
      await shoot(page, 'dashboard-flieden-desktop.png');

      // The shared link of a tile and its embed page.
      await page.goto(`${suite.server.url}/dashboard/kachel/${weather.id}`);
      await page.getByRole('heading', { level: 1, name: 'Wetter in Flieden' }).waitFor();
      await assertNoAxeViolations(page, 'shared tile page');
    });
  });

  void test('the map, loaded after the page, keeps its markers in view when the window is resized', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/dashboard`);
      await settled(page);
      const map = page.getByTestId('map');
      const markers = page.locator('.srp-map .leaflet-interactive');
      await map.scrollIntoViewIfNeeded();
      await markers.first().waitFor();
      const count = await markers.count();
      assert.ok(count >= 5, 'markers on the map');

      // Narrower and shorter: Leaflet must learn the new size, or its drawing layer stays clipped.
      await page.setViewportSize({ width: 600, height: 700 });
      await map.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => {
        const box = document.querySelector('[data-testid="map"]')!.getBoundingClientRect();
        return box.width <= 600;
      });
      await page.waitForTimeout(300); // Leaflet redraws on the next animation frame after its resize event
      const box = (await map.boundingBox())!;
      let inside = 0;
      for (const marker of await markers.all()) {
        const m = await marker.boundingBox();
        if (
          m &&
          m.width > 0 &&
          m.x >= box.x &&
          m.y >= box.y &&
          m.x + m.width <= box.x + box.width &&
          m.y + m.height <= box.y + box.height
        )
          inside++;
      }
      assert.equal(await markers.count(), count, 'no marker lost');
      assert.ok(inside >= 1, `markers drawn inside the resized map (${inside} of ${count})`);
      await map.screenshot({ path: screenshotPath('dashboard-map-resized.png') });
      const layer = await page.evaluate(() => {
        // The vector layer must cover the map; a clipped layer hides markers although they exist.
        const container = document.querySelector('[data-testid="map"]')!.getBoundingClientRect();
        const svg = document.querySelector('.srp-map .leaflet-overlay-pane svg')?.getBoundingClientRect();
        return {
          container: [container.x, container.y, container.width, container.height],
          svg: svg ? [svg.x, svg.y, svg.width, svg.height] : null,
        };
      });
      assert.ok(
        layer.svg &&
          layer.svg[0]! <= layer.container[0]! + 1 &&
          layer.svg[1]! <= layer.container[1]! + 1 &&
          layer.svg[0]! + layer.svg[2]! >= layer.container[0]! + layer.container[2]! - 1 &&
          layer.svg[1]! + layer.svg[3]! >= layer.container[1]! + layer.container[3]! - 1,
        `the marker layer covers the whole resized map: ${JSON.stringify(layer)}`,
      );
    });
  });

  void test('a tile embeds with minimal chrome and may be framed', async () => {
    const tile = dashboard.tiles.find((t) => t.fieldOfAction === 'water')!;
    await withPage(
      suite.browser,
      async (page) => {
        const response = await page.goto(`${suite.server.url}/dashboard/embed/tile/${tile.id}`);
        assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors \*/);
        await page.getByTestId('tile').waitFor();
        await page.getByRole('img', { name: /Verlauf/ }).waitFor();
        assert.equal(await page.locator('header.srp-header').count(), 0, 'no platform header in the embed');
        await assertNoAxeViolations(page, 'embedded tile');
        await shoot(page, 'dashboard-embed.png');
      },
      { width: 480, height: 640 },
    );
  });
});
