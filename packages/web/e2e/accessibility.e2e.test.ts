// axe-core finds no WCAG 2.1 A/AA violations on the main public pages, in German and English.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertNoAxeViolations,
  headingFocusedAfterNavigation,
  loginThroughForm,
  PHONE,
  settled,
  browserSuite,
  withPage,
  focusLandsOn,
} from './support.js';

void describe('accessibility (axe, WCAG 2.1 AA)', () => {
  const suite = browserSuite();

  void test('start page in German', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      assert.match(await page.title(), /Smart Region/);
      await assertNoAxeViolations(page, 'start page (de)');
    });
  });

  void test('start page in English, chosen with the language switch and kept after a reload', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await assertNoAxeViolations(page, 'start page (en)');

      await page.reload();
      await settled(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.getByRole('button', { name: 'Deutsch' }).waitFor();
    });
  });

  void test('start page on a phone, with the menu open', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(suite.server.url);
        await settled(page);
        await page.getByRole('button', { name: 'Menü' }).click();
        await page.getByRole('navigation', { name: 'Hauptnavigation' }).waitFor();
        await assertNoAxeViolations(page, 'start page on a phone, menu open');
      },
      PHONE,
    );
  });

  void test('a municipality page', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      const firstMunicipality = page.locator('a[href^="/m/"]').first();
      const name = (await firstMunicipality.textContent())?.trim() ?? '';
      await firstMunicipality.click();
      // After an in-app navigation the new page's heading has the focus.
      await headingFocusedAfterNavigation(page, name);
      assert.match(await page.title(), new RegExp(`^${name} – `));
      await assertNoAxeViolations(page, `municipality page ${name}`);
    });
  });

  void test('every municipality page, in English', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      await page.getByRole('button', { name: 'English' }).click();
      const paths = await page
        .locator('a[href^="/m/"]')
        .evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
      assert.ok(paths.length > 0, 'the demo region has municipalities');
      for (const path of paths) {
        await page.goto(suite.server.url + path);
        await settled(page);
        await assertNoAxeViolations(page, `municipality page ${path} (en)`);
      }
    });
  });

  void test('login page, empty and after failed attempts', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await assertNoAxeViolations(page, 'login page');

      // Submitting empty fields: messages under the fields, tied to them, and a focused summary.
      await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      const summary = page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Eingaben' });
      await summary.waitFor();
      await focusLandsOn(summary);
      const email = page.getByLabel('E-Mail-Adresse');
      assert.equal(await email.getAttribute('aria-invalid'), 'true');
      const describedBy = (await email.getAttribute('aria-describedby')) ?? '';
      const description = await page.locator(`[id="${describedBy.split(' ')[0]}"]`).textContent();
      assert.match(description ?? '', /Bitte geben Sie Ihre E-Mail-Adresse ein/);
      await assertNoAxeViolations(page, 'login page with field errors');

      // The summary's links lead to the fields.
      await summary.getByRole('link', { name: /Passwort ein/ }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'login-password');

      await loginThroughForm(page, 'buerger@example.org', 'falsches-Passwort');
      await page.getByRole('group', { name: 'Die Anmeldung hat nicht geklappt' }).waitFor();
      await assertNoAxeViolations(page, 'login page after wrong password');
    });
  });

  void test('login page after a failed single sign-on (?fehler=sso)', async () => {
    await withPage(suite.browser, async (page) => {
      // No provider is configured here, so the message names none; see sso.e2e.test.ts for one that is.
      await page.goto(`${suite.server.url}/anmelden?fehler=sso`);
      await settled(page);
      const alert = page.getByRole('alert').filter({ hasText: 'Die Anmeldung über ein externes Konto' });
      await alert.waitFor();
      await assertNoAxeViolations(page, 'login page with ?fehler=sso');
    });
  });

  void test('password reset page and its confirmation', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await page.getByRole('link', { name: 'Passwort vergessen?' }).click();
      await headingFocusedAfterNavigation(page, 'Passwort vergessen');
      await assertNoAxeViolations(page, 'password reset page');

      await page.getByLabel('E-Mail-Adresse').fill('buerger@example.org');
      await page.getByRole('button', { name: 'Link anfordern' }).click();
      // Whether the endpoint exists yet or not, the page answers with a focused, visible result.
      const result = page.locator('.kern-alert');
      await result.waitFor();
      await focusLandsOn(result);
      await assertNoAxeViolations(page, 'password reset result');
    });
  });

  void test('not-found page', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/gibt-es-nicht`);
      await page.getByRole('heading', { level: 1, name: 'Seite nicht gefunden' }).waitFor();
      await assertNoAxeViolations(page, 'not-found page');
    });
  });
});
