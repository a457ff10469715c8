// Data protection in the club cloud, in the browser: the board of the demo club exports all club data
// (the real job worker makes the ZIP) and downloads it; the municipality's admin deletes the club in a
// modal dialog that takes focus and wants the club's name. Every state passes axe (WCAG 2.1 AA).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertNoAxeViolations, browserSuite, loginThroughForm, settled, withPage } from './support.js';

const CLUB = 'TSV Flieden 1920 e.V.';

void describe('club cloud: export and deletion', () => {
  const suite = browserSuite();

  void test('the board exports the club data and downloads the ZIP', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/datenschutz`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByRole('heading', { level: 1, name: 'Datenschutz im Verein' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'privacy page');
      // Club admins do not delete; they are told how to ask for it.
      assert.equal(await page.getByRole('button', { name: 'Verein löschen' }).count(), 0);

      await page.getByRole('button', { name: 'Daten exportieren' }).click();
      const link = page.getByRole('link', { name: /ZIP herunterladen/ });
      await link.waitFor({ timeout: 120_000 });
      await assertNoAxeViolations(page, 'export done');
      const href = await link.getAttribute('href');
      const zip = await page.request.get(`${suite.server.url}${href}`);
      assert.equal(zip.status(), 200);
      assert.equal(zip.headers()['content-type'], 'application/zip');
      const body = await zip.body();
      assert.equal(body.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    });
  });

  void test('the board requests the deletion; the municipality declines with a reason; the board withdraws a new request', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/datenschutz`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByRole('heading', { level: 3, name: 'Löschung des Vereins beantragen' }).waitFor();
      await page.getByText('Laden Sie vorher den Export herunter', { exact: false }).waitFor();
      const name = page.getByLabel(/Geben Sie zur Bestätigung den Namen des Vereins ein/);
      await name.fill('Falsch');
      await page.getByRole('button', { name: 'Löschung beantragen' }).click();
      await page.getByText('Der eingegebene Name stimmt nicht mit dem Vereinsnamen überein.').waitFor();
      await page.getByLabel('Begründung für die Gemeinde (freiwillig)').fill('Der Verein löst sich auf');
      await name.fill(CLUB);
      await page.getByRole('button', { name: 'Löschung beantragen' }).click();
      await page.getByRole('status').filter({ hasText: 'Löschung beantragt am' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'deletion requested');
    });
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/datenschutz`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.getByRole('heading', { level: 3, name: 'Löschantrag des Vereins' }).waitFor();
      await page.getByText('Begründung des Vereins: Der Verein löst sich auf').waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'pending request for staff');
      await page.getByRole('button', { name: 'Antrag ablehnen' }).click();
      await page.getByText('Bitte geben Sie eine Begründung für die Ablehnung ein.').waitFor();
      await page.getByLabel('Begründung der Ablehnung').fill('Bitte erst die Kasse abschließen');
      await page.getByRole('button', { name: 'Antrag ablehnen' }).click();
      await page
        .getByRole('heading', { level: 3, name: 'Löschantrag des Vereins' })
        .waitFor({ state: 'detached' });
    });
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/datenschutz`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByText('Begründung: Bitte erst die Kasse abschließen').waitFor();
      await page.getByLabel(/Geben Sie zur Bestätigung den Namen des Vereins ein/).fill(CLUB);
      await page.getByRole('button', { name: 'Löschung beantragen' }).click();
      await page.getByRole('button', { name: 'Antrag zurückziehen' }).click();
      await page.getByRole('status').filter({ hasText: 'zurückgezogen' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'request withdrawn');
    });
  });

  void test('the municipal admin deletes the club after typing its name', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/datenschutz`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.getByRole('heading', { level: 2, name: CLUB }).waitFor();
      await settled(page);

      await page.getByRole('button', { name: 'Verein löschen' }).click();
      const dialog = page.getByRole('dialog', { name: `Verein „${CLUB}“ endgültig löschen?` });
      await dialog.waitFor();
      const field = dialog.getByLabel(/Geben Sie zur Bestätigung den Namen des Vereins ein/);
      assert.equal(
        await field.evaluate((el) => el === document.activeElement),
        true,
        'focus is in the dialog',
      );
      await assertNoAxeViolations(page, 'delete dialog');

      await field.fill('Falscher Name');
      await dialog.getByRole('button', { name: 'Endgültig löschen' }).click();
      await dialog.getByText('Der eingegebene Name stimmt nicht mit dem Vereinsnamen überein.').waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      const opener = page.getByRole('button', { name: 'Verein löschen' });
      assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'focus returns');

      await opener.click();
      await field.fill(CLUB);
      await dialog.getByRole('button', { name: 'Endgültig löschen' }).click();
      const notice = page.getByRole('status').filter({ hasText: 'wird gelöscht' });
      await notice.waitFor();
      await assertNoAxeViolations(page, 'club deleting');
      // Shut at once for the club's own members.
      const club = await suite.server.ctx.db
        .selectFrom('clubs')
        .select(['id', 'status'])
        .where('name', '=', CLUB)
        .executeTakeFirst();
      assert.ok(club === undefined || club.status === 'deleting');
    });
  });
});
