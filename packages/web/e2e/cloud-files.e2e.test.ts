// The club file manager in the browser: the board of the demo club uploads a file with the file button
// (tus), renames it, moves it to the trash and restores it, on a phone, checked with axe (WCAG 2.1 AA).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertNoAxeViolations,
  browserSuite,
  loginThroughForm,
  PHONE,
  settled,
  withPage,
} from './support.js';

void describe('club cloud: file manager', () => {
  const suite = browserSuite();

  void test('the board uploads, renames, trashes and restores a file on a phone', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/dateien`);
        await loginThroughForm(page, 'vorstand@tsv-flieden.example');
        await page.getByRole('heading', { level: 1, name: 'Dateien' }).waitFor();
        await settled(page);
        await page.getByRole('link', { name: 'TSV Flieden 1920 e.V.' }).click();
        await page.getByRole('heading', { level: 1, name: 'Dateien: TSV Flieden 1920 e.V.' }).waitFor();
        await settled(page);
        await assertNoAxeViolations(page, 'file manager');

        await page.locator('#files-upload').setInputFiles({
          name: 'Protokoll.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from('Protokoll der Vorstandssitzung'),
        });
        await page.getByText('Protokoll.txt ist hochgeladen.').waitFor();
        const row = page.getByTestId('file-row').filter({ hasText: 'Protokoll.txt' });
        await row.waitFor();

        await page.getByRole('button', { name: 'Umbenennen: Protokoll.txt' }).click();
        const field = page.getByLabel('Neuer Name für Protokoll.txt');
        await field.fill('Protokoll 2026.txt');
        await field.press('Enter');
        await page.getByTestId('file-row').filter({ hasText: 'Protokoll 2026.txt' }).waitFor();

        const href = await page.getByRole('link', { name: /Protokoll 2026\.txt/ }).getAttribute('href');
        const download = await page.request.get(`${suite.server.url}${href}`);
        assert.equal(await download.text(), 'Protokoll der Vorstandssitzung');

        await page.getByRole('button', { name: 'In den Papierkorb: Protokoll 2026.txt' }).click();
        await page.getByText('Protokoll 2026.txt liegt im Papierkorb.').waitFor();
        assert.equal(await page.getByTestId('file-row').filter({ hasText: 'Protokoll 2026.txt' }).count(), 0);

        await page.getByRole('button', { name: 'Papierkorb', exact: true }).click();
        await page.getByTestId('trash').waitFor();
        await assertNoAxeViolations(page, 'trash');
        await page.getByRole('button', { name: 'Wiederherstellen: Protokoll 2026.txt' }).click();
        await page.getByText('Protokoll 2026.txt ist wiederhergestellt.').waitFor();
        await page.getByRole('button', { name: 'Zurück zu den Dateien' }).click();
        await page.getByTestId('file-row').filter({ hasText: 'Protokoll 2026.txt' }).waitFor();
      },
      PHONE,
    );
  });
});
