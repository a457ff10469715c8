// A citizen account in the browser, end to end: "Konto erstellen" from the login page (with its errors),
// the confirmation mail (caught by a local SMTP server), the landing page, the login, an application that
// shows up in "Meine Anträge", and the account page. Axe checks every new page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertNoAxeViolations,
  focusLandsOn,
  headingFocusedAfterNavigation,
  loginThroughForm,
  mailBrowserSuite,
  settled,
  tokenLinkIn,
  withPage,
} from './support.js';

const EMAIL = 'neue.buergerin@example.org';
const PASSWORD = 'Sonnenblume-Wiese-Fluss-42';

void describe('citizen self-registration, in the browser', () => {
  const suite = mailBrowserSuite();

  void test('register, read the mail, confirm, sign in, start an application, see it under "Meine Anträge"', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await page.getByRole('link', { name: 'Noch kein Konto? Konto erstellen' }).click();
      await headingFocusedAfterNavigation(page, 'Konto erstellen');
      await assertNoAxeViolations(page, 'the registration page');

      // Errors first: each is listed in the summary and tied to its field.
      await page.getByRole('button', { name: 'Konto erstellen' }).click();
      const summary = page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Angaben' });
      await summary.waitFor();
      await focusLandsOn(summary);
      await summary.getByRole('link', { name: 'Bitte wählen Sie Ihre Gemeinde.' }).waitFor();
      const municipality = page.getByLabel('Wohnort (Gemeinde)');
      assert.equal(await municipality.getAttribute('aria-invalid'), 'true');
      await assertNoAxeViolations(page, 'the registration page with errors');

      await page.getByLabel('Name', { exact: true }).fill('Nele Neumann');
      await page.getByLabel('E-Mail-Adresse').fill(EMAIL);
      await municipality.selectOption({ label: 'Flieden' });
      await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Passwort wiederholen').fill(PASSWORD);
      await page.getByRole('button', { name: 'Konto erstellen' }).click();
      await page.getByText('Bitte bestätigen Sie Ihre E-Mail-Adresse').waitFor();
      assert.ok((await page.textContent('main'))?.includes(EMAIL));
      await assertNoAxeViolations(page, 'the "check your mailbox" page');

      // Not yet: without confirmation there is no account.
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await loginThroughForm(page, EMAIL, PASSWORD);
      await page.getByText('Die E-Mail-Adresse oder das Passwort ist falsch.').waitFor();

      // The mail, the landing page, and the link is used up afterwards.
      const mail = await suite.mailbox.nextMailTo(EMAIL);
      assert.match(mail.subject, /Bitte bestätigen Sie Ihre E-Mail-Adresse/);
      const link = tokenLinkIn(mail.text, '/konto-bestaetigen');
      await page.goto(suite.server.url + link);
      await page.getByText('Ihr Konto ist aktiv').waitFor();
      assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
      await assertNoAxeViolations(page, 'the confirmation page');
      await page.goto(suite.server.url + link);
      await page.getByText('Dieser Link funktioniert nicht mehr').waitFor();
      await assertNoAxeViolations(page, 'the confirmation page with a used link');

      // Sign in and start an application.
      await page.goto(`${suite.server.url}/anmelden`);
      await settled(page);
      await loginThroughForm(page, EMAIL, PASSWORD);
      await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));
      await page.goto(`${suite.server.url}/buergerservice`);
      await settled(page);
      assert.equal(
        await page.locator('#egov-municipality option:checked').textContent(),
        'Flieden',
        'the home municipality is preselected',
      );
      await page.getByText('Sie haben noch keine Anträge gestellt.').waitFor();
      const start = page.getByRole('link', { name: /Antrag starten.*Meldebescheinigung/ });
      await start.waitFor({ timeout: 20_000 }).catch(async () => {
        assert.fail(`no start link for the Meldebescheinigung:\n${await page.textContent('main')}`);
      });
      await start.click();
      await page.getByLabel('Einfache Meldebescheinigung').check();
      const saved = page.waitForResponse(
        (response) => response.request().method() === 'PUT' && response.url().endsWith('/draft'),
      );
      await page.getByRole('button', { name: 'Speichern und später weitermachen' }).click();
      assert.equal((await saved).status(), 200, 'the draft is saved to the account');
      await page.goto(`${suite.server.url}/buergerservice`);
      await settled(page);
      const mine = page.locator('section[aria-labelledby="egov-mine"]');
      await mine.getByRole('link', { name: /Meldebescheinigung/ }).waitFor();

      // The account page: reached from the header, with the export and the deletion.
      await page.getByRole('link', { name: 'Mein Konto' }).click();
      await headingFocusedAfterNavigation(page, 'Mein Konto');
      assert.ok((await page.textContent('main'))?.includes(EMAIL));
      assert.equal(
        await page.getByRole('link', { name: 'Meine Daten herunterladen (JSON)' }).getAttribute('href'),
        '/api/egov/my/export',
      );
      await assertNoAxeViolations(page, 'the account page');
      await page.getByRole('button', { name: 'Konto endgültig löschen' }).click();
      await page.getByText('Bitte bestätigen Sie, dass Sie das Konto löschen möchten.').waitFor();
      await page.locator('#account-delete-password').fill(PASSWORD);
      await page.getByLabel('Ich möchte mein Konto endgültig löschen.').check();
      await page.getByRole('button', { name: 'Konto endgültig löschen' }).click();
      await page
        .getByText('Ihr Konto wurde gelöscht')
        .waitFor({ timeout: 20_000 })
        .catch(async () => assert.fail(`${page.url()}\n${await page.textContent('main')}`));
      await page.getByRole('link', { name: 'Anmelden' }).first().waitFor();
    });
  });
});
