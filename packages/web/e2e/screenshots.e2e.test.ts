// Phone-sized screenshots (360×740) of the start and login pages for a person to look at, plus the
// layout checks that can be automated: nothing wider than the screen.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { PHONE, screenshotPath, settled, browserSuite, withPage } from './support.js';

async function assertNoHorizontalScroll(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate(() => ({
    content: document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
  }));
  assert.ok(
    widths.content <= widths.viewport,
    `${what} is ${widths.content}px wide on a ${widths.viewport}px screen`,
  );
}

void describe('phone screenshots', () => {
  const suite = browserSuite();

  const pages = [
    { name: 'start', path: '/' },
    { name: 'login', path: '/anmelden' },
  ];
  for (const { name, path } of pages) {
    void test(`${name} page at 360×740`, async () => {
      await withPage(
        suite.browser,
        async (page) => {
          await page.goto(suite.server.url + path);
          await settled(page);
          await page.evaluate(() => document.fonts.ready);
          await assertNoHorizontalScroll(page, `the ${name} page`);
          const file = screenshotPath(`${name}-360.png`);
          await page.screenshot({ path: file, fullPage: true });
          console.log(`screenshot: ${file}`);

          await page.getByRole('button', { name: 'Menü' }).click();
          await page.getByRole('navigation', { name: 'Hauptnavigation' }).waitFor();
          await assertNoHorizontalScroll(page, `the ${name} page with the menu open`);
          const menuFile = screenshotPath(`${name}-360-menu.png`);
          await page.screenshot({ path: menuFile });
          console.log(`screenshot: ${menuFile}`);
        },
        PHONE,
      );
    });
  }

  void test('login errors at 360×740', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/anmelden`);
        await settled(page);
        await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
        await page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Eingaben' }).waitFor();
        await page.evaluate(() => document.fonts.ready);
        await assertNoHorizontalScroll(page, 'the login page with errors');
        const file = screenshotPath('login-errors-360.png');
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot: ${file}`);
      },
      PHONE,
    );
  });

  void test('password reset page at 360×740: form, errors, invalid link', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        const shoot = async (name: string, what: string) => {
          await page.evaluate(() => document.fonts.ready);
          await assertNoHorizontalScroll(page, what);
          const file = screenshotPath(name);
          await page.screenshot({ path: file, fullPage: true });
          console.log(`screenshot: ${file}`);
        };
        // Any token shows the form; whether it is valid is only known when the form is sent.
        await page.goto(`${suite.server.url}/passwort-zuruecksetzen?token=beispiel`);
        await settled(page);
        await shoot('reset-360.png', 'the reset page');

        await page.getByLabel('Neues Passwort', { exact: true }).fill('kurz');
        await page.getByRole('button', { name: 'Passwort speichern' }).click();
        await page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Eingaben' }).waitFor();
        await shoot('reset-errors-360.png', 'the reset page with errors');

        await page.goto(`${suite.server.url}/passwort-zuruecksetzen`);
        await settled(page);
        await page.getByText('Dieser Link funktioniert nicht mehr').waitFor();
        await shoot('reset-invalid-360.png', 'the reset page with an invalid link');
      },
      PHONE,
    );
  });
});
