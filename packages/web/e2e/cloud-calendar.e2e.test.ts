// The club calendar in the browser: the board of the demo club plans a weekly meeting with the form, finds
// it in the list view, and every view passes axe (WCAG 2.1 AA).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertNoAxeViolations, browserSuite, loginThroughForm, settled, withPage } from './support.js';

void describe('club cloud: calendar', () => {
  const suite = browserSuite();

  void test('the board plans a weekly meeting and finds it in the list', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/kalender`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByRole('heading', { level: 1, name: 'Vereinskalender' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'calendar');

      await page.getByRole('button', { name: 'Neuer Termin' }).click();
      await page.getByRole('heading', { level: 2, name: 'Neuer Termin' }).waitFor();
      await page.getByLabel('Titel', { exact: true }).fill('Vorstandssitzung');
      await page.getByLabel('Wiederholung').selectOption({ label: 'wöchentlich' });
      await page.getByLabel('Anzahl der Termine').fill('3');
      await assertNoAxeViolations(page, 'event form');
      await page.getByRole('button', { name: 'Speichern' }).click();
      await page.getByText('Der Termin wurde gespeichert.').waitFor();

      await page.getByLabel('Liste', { exact: true }).check();
      const occurrences = page.getByRole('button', { name: /Vorstandssitzung/ });
      await occurrences.first().waitFor();
      assert.ok((await occurrences.count()) >= 1);
      await assertNoAxeViolations(page, 'calendar list');
    });
  });
});
