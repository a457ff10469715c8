// Single sign-on in the browser against a real OpenID Connect provider started by the test: the login
// page's button carries the way back, a failed sign-on shows a message, and the account's language applies
// after a login unless the person chose a language in this browser.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  freePort,
  startTestOidcProvider,
  type TestOidcProvider,
} from '../../server/src/test-support/oidc-test-provider.js';
import {
  assertNoAxeViolations,
  DEMO_PASSWORD,
  launchBrowser,
  loginThroughForm,
  settled,
  startServer,
  withPage,
  type TestServer,
} from './support.js';

const LABEL = 'Landkreis-Konto';

void describe('single sign-on and the account language, in the browser', () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    // The provider must know the platform's callback before the platform starts, so the port is fixed first.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    provider = await startTestOidcProvider({ redirectUri: `${url}/api/auth/oidc/callback` });
    server = await startServer({
      PORT: String(port),
      PUBLIC_URL: url,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_LABEL: LABEL,
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  function providerAccount(locale: string): string {
    const id = `sub-${randomUUID()}`;
    provider.accounts.set(id, {
      email: `${id}@buerger.example`,
      email_verified: true,
      name: 'Eva Beispiel',
      locale,
    });
    return id;
  }

  /** Changes an account's language through the API, as a profile page would. */
  async function setAccountLanguage(email: string, locale: 'de' | 'en'): Promise<void> {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('srp_session='))
      ?.split(';')[0];
    assert.ok(cookie, 'the login sets the session cookie');
    const patch = await fetch(`${server.url}/api/me`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ locale }),
    });
    assert.equal(patch.status, 200, await patch.text());
  }

  async function openLogin(page: Page, query = ''): Promise<void> {
    await page.goto(`${server.url}/anmelden${query}`);
    await settled(page);
    await page.getByRole('link', { name: LABEL }).waitFor();
  }

  void test('the button passes only a same-site way back on to the start of the sign-on', async () => {
    await withPage(browser, async (page) => {
      await openLogin(page, `?next=${encodeURIComponent('/buergerservice?x=1')}`);
      const href = await page.getByRole('link', { name: LABEL }).getAttribute('href');
      assert.equal(href, '/api/auth/oidc/start?next=%2Fbuergerservice%3Fx%3D1');

      await openLogin(page, `?next=${encodeURIComponent('//evil.example/')}`);
      assert.equal(
        await page.getByRole('link', { name: LABEL }).getAttribute('href'),
        '/api/auth/oidc/start',
      );
    });
  });

  void test('a cancelled sign-on comes back to the login page with a message', async () => {
    await withPage(browser, async (page) => {
      provider.nextLogin = null; // the person cancels at the provider
      await openLogin(page, '?next=%2Fbuergerservice');
      await page.getByRole('link', { name: LABEL }).click();
      await page.waitForURL(
        (url) => url.pathname === '/anmelden' && url.searchParams.get('fehler') === 'sso',
      );
      await settled(page);
      const alert = page
        .getByRole('alert')
        .filter({ hasText: `Die Anmeldung über ${LABEL} hat nicht geklappt` });
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /E-Mail-Adresse und Passwort/);
      await assertNoAxeViolations(page, 'login page after a failed single sign-on');
      // The password form is still there as the way out.
      await page.getByLabel('E-Mail-Adresse').waitFor();
    });
  });

  void test('without ?fehler=sso there is no such message', async () => {
    await withPage(browser, async (page) => {
      await openLogin(page);
      assert.equal(await page.getByText(/hat nicht geklappt/).count(), 0);
    });
  });

  void test('a sign-on returns to the page it started from, in the language of the account', async () => {
    await withPage(browser, async (page) => {
      provider.nextLogin = providerAccount('en');
      await openLogin(page, '?next=%2Fbuergerservice');
      await page.getByRole('link', { name: LABEL }).click();
      await page.waitForURL((url) => url.pathname === '/buergerservice');
      await settled(page);
      await page.getByText('Signed in as Eva Beispiel').waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      // Applied, not stored: the switch in this browser remains the only stored choice.
      assert.equal(await page.evaluate(() => localStorage.getItem('srp.language')), null);
    });
  });

  void test('a language chosen in this browser wins over the account language', async () => {
    await withPage(browser, async (page) => {
      await openLogin(page);
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('button', { name: 'Deutsch' }).click();
      await page.getByRole('button', { name: 'English' }).waitFor();

      provider.nextLogin = providerAccount('en');
      await page.getByRole('link', { name: LABEL }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await settled(page);
      await page.getByText('Angemeldet als Eva Beispiel').waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
    });
  });

  void test('a password login applies the account language too', async () => {
    // A demo account switched to English (there is no profile page yet).
    const email = 'mitglied@tsv-flieden.example';
    await setAccountLanguage(email, 'en');

    await withPage(browser, async (page) => {
      await openLogin(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      await loginThroughForm(page, email);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
    });
  });
});
