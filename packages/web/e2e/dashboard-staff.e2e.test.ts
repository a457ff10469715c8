// The tile editor and the internal sensor view in Chromium: create, preview, publish, history; device
// health; WCAG 2.1 AA with axe; screenshots. (A file of its own: each browser file has one time limit.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PublicDashboard } from '@srp/contracts';
import type { Page } from 'playwright-core';
import {
  assertNoAxeViolations,
  browserSuite,
  loginThroughForm,
  screenshotPath,
  settled,
  withPage,
} from './support.js';

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  const file = screenshotPath(name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

void describe('dashboard editor and sensor view in the browser', () => {
  const suite = browserSuite();

  void test('staff create, preview and publish a tile, and see the sensors with their health', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));
      await page.goto(`${suite.server.url}/verwaltung/dashboard`);
      await page.getByRole('heading', { level: 1, name: 'Dashboard bearbeiten' }).waitFor();
      await settled(page);
      const before = await page.getByTestId('editor-tile').count();
      assert.ok(before >= 4);

      await page.getByRole('button', { name: 'Neue Kachel' }).click();
      await page.getByLabel('Titel (Deutsch)').fill('Luftfeuchte am Rathaus');
      await page.getByLabel('Titel (Englisch)').fill('Humidity at the town hall');
      await page
        .getByLabel(/Luftfeuchte/)
        .first()
        .check();
      await page.getByTestId('preview').getByTestId('tile').waitFor();
      await assertNoAxeViolations(page, 'tile editor with preview');
      await shoot(page, 'dashboard-editor.png');
      await page.getByRole('button', { name: 'Entwurf speichern' }).click();
      await page.getByRole('heading', { level: 3, name: 'Luftfeuchte am Rathaus' }).waitFor();
      const card = page.getByTestId('editor-tile').filter({ hasText: 'Luftfeuchte am Rathaus' });
      await card.getByText('Entwurf', { exact: true }).waitFor();
      await card.getByRole('button', { name: 'Veröffentlichen' }).click();
      await card.getByText('Veröffentlicht', { exact: true }).waitFor();
      await card.getByRole('button', { name: 'Verlauf' }).click();
      await card
        .getByTestId('history')
        .getByText(/veröffentlicht/)
        .waitFor();

      const res = await fetch(`${suite.server.url}/api/public/dashboard?municipality=flieden`);
      const publicView = (await res.json()) as PublicDashboard;
      assert.ok(publicView.tiles.some((t) => t.title.de === 'Luftfeuchte am Rathaus'));

      await page.goto(`${suite.server.url}/verwaltung/sensoren`);
      await page.getByRole('heading', { level: 1, name: 'Sensoren' }).waitFor();
      await settled(page);
      const rows = page.getByTestId('devices').locator('tbody tr');
      await rows.first().waitFor();
      assert.ok((await rows.count()) >= 5);
      await assertNoAxeViolations(page, 'sensor view');
      await shoot(page, 'dashboard-sensors.png');
    });
  });
});
