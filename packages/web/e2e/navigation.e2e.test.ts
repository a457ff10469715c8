// Each demo role logs in through the form and sees exactly the areas navigationFor() grants it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEMO_USERS,
  loginThroughForm,
  navigationAreas,
  settled,
  browserSuite,
  withPage,
  focusLandsOn,
} from './support.js';

void describe('navigation by role', () => {
  const suite = browserSuite();

  void test('anonymous visitors see the dashboard and the citizen services', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      assert.deepEqual(await navigationAreas(page), ['dashboard', 'services']);
      await page.getByRole('link', { name: 'Anmelden' }).waitFor();
    });
  });

  for (const user of DEMO_USERS) {
    void test(`${user.role} (${user.email}) sees ${user.areas.join(', ')}`, async () => {
      await withPage(suite.browser, async (page) => {
        await page.goto(`${suite.server.url}/anmelden`);
        await settled(page);
        await loginThroughForm(page, user.email);

        const logout = page.getByRole('button', { name: 'Abmelden' });
        await logout.waitFor();
        await page.getByText(/^Angemeldet als .+/).waitFor();
        assert.deepEqual(await navigationAreas(page), user.areas);

        await logout.click();
        await page.getByRole('link', { name: 'Anmelden' }).waitFor();
        assert.deepEqual(await navigationAreas(page), ['dashboard', 'services']);
        assert.equal(new URL(page.url()).pathname, '/');
      });
    });
  }

  void test('the back office asks for a login, then returns there and shows the roles', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/verwaltung`);
      await page.waitForURL((url) => url.pathname === '/anmelden');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/verwaltung');

      await settled(page);
      await loginThroughForm(page, 'sachbearbeitung@kalbach.example');
      await page.waitForURL((url) => url.pathname === '/verwaltung');
      await page.getByRole('heading', { level: 1, name: 'Verwaltung' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Ihre Rollen' }).waitFor();
      const roles = await page.getByTestId('roles').getByRole('listitem').allTextContents();
      assert.ok(
        roles.some((role) => role.startsWith('Sachbearbeitung')),
        `roles shown: ${roles.join(' | ')}`,
      );
      // The Kalbach caseworker stands in for Flieden: the substitution must be visible as text.
      assert.ok(
        roles.some((role) => role.includes('Vertretung')),
        `roles shown: ${roles.join(' | ')}`,
      );
      const current = page
        .getByRole('navigation', { name: 'Hauptnavigation' })
        .getByRole('link', { name: 'Verwaltung' });
      assert.equal(await current.getAttribute('aria-current'), 'page');
    });
  });

  void test('a citizen who opens the back office is told that the account has no access', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=%2Fverwaltung`);
      await settled(page);
      await loginThroughForm(page, 'buerger@example.org');
      await page.waitForURL((url) => url.pathname === '/verwaltung');
      await page.getByText('Ihr Konto hat keinen Zugang zu diesem Bereich.', { exact: false }).waitFor();
    });
  });

  void test('a wrong password keeps the visitor signed out and says why', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await loginThroughForm(page, 'buerger@example.org', 'falsches-Passwort');
      const summary = page.getByRole('group', { name: 'Die Anmeldung hat nicht geklappt' });
      await summary.waitFor();
      assert.match((await summary.textContent()) ?? '', /E-Mail-Adresse oder das Passwort ist falsch/);
      await focusLandsOn(summary);
      assert.deepEqual(await navigationAreas(page), ['dashboard', 'services']);
    });
  });

  void test('an outside target in ?next= is ignored after login', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=${encodeURIComponent('//evil.example/')}`);
      await settled(page);
      await loginThroughForm(page, 'buerger@example.org');
      await page.getByRole('button', { name: 'Abmelden' }).waitFor();
      const url = new URL(page.url());
      assert.equal(url.origin, new URL(suite.server.url).origin);
      assert.equal(url.pathname, '/');
    });
  });
});
