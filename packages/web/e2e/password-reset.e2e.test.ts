// Password reset in the browser, end to end: the request page, the mail (caught by a local SMTP server),
// the page behind the link with its errors, the new password at the login, and the used link afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertNoAxeViolations,
  DEMO_PASSWORD,
  focusLandsOn,
  headingFocusedAfterNavigation,
  loginThroughForm,
  mailBrowserSuite,
  settled,
  tokenLinkIn,
  withPage,
} from './support.js';

const USER = 'buerger@example.org';
const NEW_PASSWORD = 'Apfelbaum-Regen-Fahrrad-7';

/** The texts an input's aria-describedby points at, in order. */
async function descriptionOf(page: Page, label: string): Promise<string> {
  const ids = (await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby')) ?? '';
  const texts: string[] = [];
  for (const id of ids.split(' ').filter(Boolean)) {
    texts.push((await page.locator(`[id="${id}"]`).textContent()) ?? '');
  }
  return texts.join(' | ');
}

async function fillPasswords(page: Page, first: string, second: string): Promise<void> {
  await page.getByLabel('Neues Passwort', { exact: true }).fill(first);
  await page.getByLabel('Neues Passwort wiederholen', { exact: true }).fill(second);
  await page.getByRole('button', { name: 'Passwort speichern' }).click();
}

void describe('password reset by e-mail, in the browser', () => {
  const suite = mailBrowserSuite();

  void test('request, mail, new password with errors first, login with it, then the link is used up', async () => {
    let link = '';
    await withPage(suite.browser, async (page) => {
      // 1. Ask for a link on the "forgot password" page, reached from the login page.
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await page.getByRole('link', { name: 'Passwort vergessen?' }).click();
      await headingFocusedAfterNavigation(page, 'Passwort vergessen');
      await page.getByLabel('E-Mail-Adresse').fill(USER);
      await page.getByRole('button', { name: 'Link anfordern' }).click();
      await page.getByText('Anfrage erhalten').waitFor();

      // 2. The mail arrives with the link to the reset page.
      const mail = await suite.mailbox.nextMailTo(USER);
      link = tokenLinkIn(mail.text, '/passwort-zuruecksetzen');

      // 3. The page behind the link explains the rules up front and ties them to the field.
      await page.goto(suite.server.url + link);
      await settled(page);
      await page.getByRole('heading', { level: 1, name: 'Neues Passwort festlegen' }).waitFor();
      assert.match(await descriptionOf(page, 'Neues Passwort'), /mindestens 12 Zeichen/);
      await assertNoAxeViolations(page, 'reset page, empty form');

      // 4. Too short, and a different repeat: messages under both fields and a focused summary.
      await fillPasswords(page, 'kurz', 'kurz!');
      const summary = page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Eingaben' });
      await summary.waitFor();
      await focusLandsOn(summary);
      const newField = page.getByLabel('Neues Passwort', { exact: true });
      assert.equal(await newField.getAttribute('aria-invalid'), 'true');
      assert.match(await descriptionOf(page, 'Neues Passwort'), /zu kurz: Es hat 4 Zeichen/);
      assert.match(await descriptionOf(page, 'Neues Passwort wiederholen'), /nicht gleich/);
      await assertNoAxeViolations(page, 'reset page with field errors');
      await summary.getByRole('link', { name: /zu kurz/ }).click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'reset-password');

      // 5. Long enough, but the server refuses it (it contains the e-mail's name): its reason is shown.
      await fillPasswords(page, 'buerger-Sommer-2026', 'buerger-Sommer-2026');
      await page.getByRole('link', { name: /vor dem @ nicht enthalten/ }).waitFor();
      await focusLandsOn(summary);
      assert.match(await descriptionOf(page, 'Neues Passwort'), /vor dem @ nicht enthalten/);

      // 6. A good password: success, focused, with the way to the login, and no token left in the address.
      await page.getByRole('checkbox', { name: 'Passwörter anzeigen' }).check();
      assert.equal(await newField.getAttribute('type'), 'text');
      await fillPasswords(page, NEW_PASSWORD, NEW_PASSWORD);
      const done = page.locator('.kern-alert--success');
      await done.getByText('Ihr neues Passwort ist gespeichert').waitFor();
      await focusLandsOn(done);
      assert.equal(new URL(page.url()).search, '', 'the token is gone from the address bar');
      assert.equal(await page.getByLabel('Neues Passwort', { exact: true }).count(), 0);
      await assertNoAxeViolations(page, 'reset page after success');

      // 7. The new password works, the old one no longer does.
      await done.getByRole('link', { name: 'Zur Anmeldung' }).click();
      await headingFocusedAfterNavigation(page, 'Anmelden');
      await loginThroughForm(page, USER, DEMO_PASSWORD);
      await page.getByText('Die E-Mail-Adresse oder das Passwort ist falsch.').waitFor();
      await loginThroughForm(page, USER, NEW_PASSWORD);
      await page.getByText(/Angemeldet als/).waitFor();
    });

    // 8. The same link a second time: a clear message and the way to a new link.
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url + link);
      await settled(page);
      await fillPasswords(page, 'Noch-ein-neues-Passwort-8', 'Noch-ein-neues-Passwort-8');
      const invalid = page.locator('.kern-alert--danger');
      await invalid.getByText('Dieser Link funktioniert nicht mehr').waitFor();
      await focusLandsOn(invalid);
      assert.equal(new URL(page.url()).search, '', 'the useless token is gone from the address bar');
      await assertNoAxeViolations(page, 'reset page, used link');
      await invalid.getByRole('link', { name: 'Neuen Link anfordern' }).click();
      await headingFocusedAfterNavigation(page, 'Passwort vergessen');
    });
  });

  void test('without a token the page says the link does not work, in German and English', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/passwort-zuruecksetzen`);
      await settled(page);
      await page.getByText('Dieser Link funktioniert nicht mehr').waitFor();
      assert.equal(await page.getByLabel('Neues Passwort', { exact: true }).count(), 0);
      const request = page.getByRole('link', { name: 'Neuen Link anfordern' });
      assert.equal(await request.getAttribute('href'), '/passwort-vergessen');
      await assertNoAxeViolations(page, 'reset page without a token');

      await page.getByRole('button', { name: 'English' }).click();
      await page.getByText('This link no longer works').waitFor();
      await page.getByRole('link', { name: 'Request a new link' }).waitFor();
      await assertNoAxeViolations(page, 'reset page without a token (en)');
    });
  });

  void test('an unknown token is refused only when sent, and the form is in English too', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/passwort-zuruecksetzen?token=ausgedacht`);
      await settled(page);
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Set a new password' }).waitFor();
      await assertNoAxeViolations(page, 'reset page, form (en)');
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Repeat new password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Save password' }).click();
      await page.getByText('This link no longer works').waitFor();
      await focusLandsOn(page.locator('.kern-alert--danger'));
    });
  });
});
