// Sharing in the browser: the club admin shares a folder with a group (a member of the group sees it,
// another member does not), creates a file-drop link, an anonymous visitor uploads through the public
// page, the admin finds the file and revokes the link in "Aktive Freigaben"; the visitor is told so.
// axe checks the dialog, the public page and the list of active shares.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemActor } from '../../server/src/core/audit/audit.service.js';
import { createTestUser, TEST_PASSWORD } from '../../server/src/test-support/factories.js';
import {
  assertNoAxeViolations,
  browserSuite,
  focusLandsOn,
  loginThroughForm,
  settled,
  withPage,
} from './support.js';

const CLUB = 'TSV Flieden 1920 e.V.';

void describe('club cloud: sharing', () => {
  const suite = browserSuite();

  // One story in steps (each its own test, so a slow machine does not run out of one test's time).
  let clubId = '';
  let otherEmail = '';
  let linkPath = '';

  void test('the admin shares the Jugend folder with its group and creates a file-drop link', async () => {
    const ctx = suite.server.ctx;
    const actor = systemActor('test');
    const club = await ctx.clubs.bySlug('tsv-flieden');
    const jugend = (await ctx.clubs.listGroups(club)).find((g) => g.name === 'Jugend')!;
    const member = (await ctx.identity.findUserByEmail('mitglied@tsv-flieden.example'))!;
    await ctx.clubs.setGroupMember(club, jugend.id, member.id, true, actor);
    const other = await createTestUser(ctx.db);
    const { token } = await ctx.clubs.invite(club, other.email, 'member', actor);
    await ctx.clubs.acceptInvitation(token, other.id, actor);
    clubId = club.id;
    otherEmail = other.email;

    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/dateien/${clubId}`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByRole('heading', { level: 1, name: `Dateien: ${CLUB}` }).waitFor();
      await settled(page);
      const shareButton = page.getByRole('button', { name: 'Teilen: Jugend' });
      await shareButton.click();
      const dialog = page.getByRole('dialog', { name: '„Jugend“ teilen' });
      await dialog.waitFor();
      await dialog.getByText('Nicht geteilt').waitFor();
      await dialog.getByLabel('Teilen mit').selectOption({ label: 'Jugend' });
      await dialog.getByLabel('Recht', { exact: true }).selectOption({ label: 'Lesen und Schreiben' });
      await dialog.getByRole('button', { name: 'Freigeben', exact: true }).click();
      await dialog.getByText('Freigegeben für Gruppe Jugend.').waitFor();
      await dialog.getByTestId('shares').getByText('Gruppe Jugend', { exact: true }).waitFor();

      await dialog.getByLabel('Nur hochladen (Dateiabgabe)').check();
      await dialog.getByRole('button', { name: 'Link erstellen' }).click();
      await dialog.getByText('Der Link ist erstellt.').waitFor();
      const url = await dialog.getByLabel('Neuer Link').inputValue();
      assert.match(url, /\/vereinscloud\/link\/[\w-]{20,}$/);
      linkPath = new URL(url).pathname;
      await dialog.getByTestId('node-links').getByText('Nur hochladen (Dateiabgabe)').waitFor();
      await assertNoAxeViolations(page, 'share dialog');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await focusLandsOn(shareButton);
    });
  });

  void test('a member of the group sees the folder, another member does not', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/dateien/${clubId}`);
      await loginThroughForm(page, 'mitglied@tsv-flieden.example');
      await page.getByRole('heading', { level: 1, name: `Dateien: ${CLUB}` }).waitFor();
      await page.getByTestId('file-row').filter({ hasText: 'Jugend' }).waitFor();
    });
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/dateien/${clubId}`);
      await loginThroughForm(page, otherEmail, TEST_PASSWORD);
      await page.getByRole('heading', { level: 1, name: `Dateien: ${CLUB}` }).waitFor();
      await page.getByTestId('file-row').filter({ hasText: 'Protokolle' }).waitFor();
      assert.equal(await page.getByTestId('file-row').filter({ hasText: 'Jugend' }).count(), 0);
    });
  });

  void test('an anonymous visitor hands in a file through the public page', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}${linkPath}`);
      await page.getByRole('heading', { level: 1, name: 'Jugend' }).waitFor();
      await page.getByRole('heading', { name: 'Dateien abgeben' }).waitFor();
      await assertNoAxeViolations(page, 'public file drop page');
      await page.getByLabel('Dateien auswählen').setInputFiles({
        name: 'Anmeldung-Zeltlager.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('Anmeldung für das Zeltlager'),
      });
      await page.getByRole('button', { name: 'Hochladen' }).click();
      await page.getByText('Anmeldung-Zeltlager.txt ist angekommen.').waitFor();
    });
  });

  void test('the admin finds the file and revokes the link in "Aktive Freigaben"', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/vereinscloud/dateien/${clubId}`);
      await loginThroughForm(page, 'vorstand@tsv-flieden.example');
      await page.getByRole('heading', { level: 1, name: `Dateien: ${CLUB}` }).waitFor();
      await page.getByRole('button', { name: /^Jugend/ }).click();
      await page.getByTestId('file-row').filter({ hasText: 'Anmeldung-Zeltlager.txt' }).waitFor();
      await page.goto(`${suite.server.url}/vereinscloud/dateien/${clubId}/freigaben`);
      await page.getByRole('heading', { level: 1, name: 'Aktive Freigaben' }).waitFor();
      await settled(page);
      await page.getByTestId('active-member-shares').getByText('Gruppe Jugend').waitFor();
      await assertNoAxeViolations(page, 'active shares');
      await page.getByRole('button', { name: 'Link zu Jugend widerrufen' }).click();
      await page.getByText('Der Link zu Jugend ist widerrufen.').waitFor();
      await page.getByText('Keine aktiven Links.').waitFor();
    });
    // The visitor is told that the link was revoked.
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}${linkPath}`);
      await page.getByText('Dieser Link wurde widerrufen.').waitFor();
      await assertNoAxeViolations(page, 'revoked link page');
    });
  });
});
