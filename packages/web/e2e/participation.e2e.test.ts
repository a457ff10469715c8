// Participation in the browser: reporting a problem on a phone with the keyboard, following it, reading
// news, and the public participation pages checked with axe (WCAG 2.1 AA).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertNoAxeViolations,
  browserSuite,
  loginThroughForm,
  PHONE,
  settled,
  withPage,
} from './support.js';

/** Focuses a field by its label and types into it, as a keyboard user would after tabbing there. */
async function typeInto(page: Page, label: string, text: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).focus();
  await page.keyboard.type(text);
}

void describe('participation: reporting a problem', () => {
  // Tests fill the forms at machine speed; the minimum fill time is covered by the server tests.
  const suite = browserSuite({ PARTICIPATION_MIN_FILL_SECONDS: '0' });

  void test('a citizen reports a broken street light on a phone with the keyboard and follows it', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/mitmachen/melden`);
        await settled(page);
        await page.locator('.srp-map').waitFor();
        await assertNoAxeViolations(page, 'report form on a phone');

        const category = page.getByLabel('Was ist das Problem?');
        await category.focus();
        await category.selectOption('strassenbeleuchtung');
        await page.keyboard.press('Tab');
        await page.keyboard.type('Die Laterne vor dem Rathaus ist seit Tagen dunkel.');
        await typeInto(page, 'Adresse oder Ortsbeschreibung', 'Marktplatz 1, Flieden');
        await typeInto(page, 'Breitengrad (z. B. 50,4236)', '50,4236');
        await typeInto(page, 'Längengrad (z. B. 9,5667)', '9,5667');
        await page.getByText('Gewählter Ort: 50.42360, 9.56670').waitFor();
        await typeInto(page, 'E-Mail für Rückmeldungen', 'bea@example.org');
        await page.getByRole('button', { name: 'Meldung absenden' }).focus();
        await page.keyboard.press('Enter');

        const thanks = page.getByText(/Ihre Meldung #\d+ ist bei Flieden eingegangen/);
        await thanks.waitFor();
        const link = page.getByTestId('tracking-link');
        assert.match(
          (await link.textContent()) ?? '',
          /\/mitmachen\/meldungen\/verfolgen\/[A-Za-z0-9_-]{40,}$/,
        );
        await assertNoAxeViolations(page, 'report sent');

        await link.focus();
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { level: 1, name: 'Ihre Meldung' }).waitFor();
        await page.getByText('Eingegangen').first().waitFor();
        await page.getByText('Die Laterne vor dem Rathaus ist seit Tagen dunkel.').waitFor();
        assert.equal(await page.getByText('bea@example.org').count(), 0, 'no personal data on the page');
        await assertNoAxeViolations(page, 'tracking page');
      },
      PHONE,
    );
  });

  void test('a report without place names what is missing and keeps the entries', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/mitmachen/melden`);
        await settled(page);
        await page.getByLabel('Was ist das Problem?').selectOption('muell');
        await typeInto(page, 'Beschreibung', 'Überfüllter Papierkorb an der Bushaltestelle.');
        await page.getByRole('button', { name: 'Meldung absenden' }).click();
        const summary = page.getByRole('group', { name: 'Bitte prüfen Sie Ihre Angaben' });
        await summary.waitFor();
        await summary.getByText(/Ort auf der Karte/).waitFor();
        assert.equal(
          await page.getByLabel('Beschreibung', { exact: true }).inputValue(),
          'Überfüllter Papierkorb an der Bushaltestelle.',
        );
      },
      PHONE,
    );
  });
});

// A second platform for the reading and back-office tests, so each suite stays well within the time limit
// of one test on a busy machine.
void describe('participation: news, public pages and back office', () => {
  const suite = browserSuite();

  void test('news: the list shows published news, not scheduled ones; the detail page reads well', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/mitmachen/news`);
      await settled(page);
      await page.getByRole('link', { name: 'Der Mängelmelder ist online' }).waitFor();
      assert.equal(
        await page.getByText('Bürgerwerkstatt zur Smart Region').count(),
        0,
        'scheduled news stay hidden',
      );
      await assertNoAxeViolations(page, 'news list');
      await page.getByRole('link', { name: 'Der Mängelmelder ist online' }).click();
      await page.getByRole('heading', { level: 1, name: 'Der Mängelmelder ist online' }).waitFor();
      await page.getByText('direkt online melden').waitFor();
      await assertNoAxeViolations(page, 'news detail');
    });
  });

  void test('public participation pages pass axe: start, reports with map, ideas, plain language', async () => {
    await withPage(suite.browser, async (page) => {
      for (const [path, heading] of [
        ['/mitmachen', 'Mitmachen'],
        ['/mitmachen/meldungen', 'Gemeldete Mängel'],
        ['/mitmachen/ideen', 'Ideen und Rückmeldungen'],
        ['/leichte-sprache', 'Die Smart Region in Leichter Sprache'],
      ] as const) {
        await page.goto(suite.server.url + path);
        await settled(page);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        if (path === '/mitmachen/meldungen') await page.getByTestId('public-reports').waitFor();
        await assertNoAxeViolations(page, path);
      }
      assert.ok(await page.getByText('Sie können Neuigkeiten lesen.').isVisible());
    });
  });

  void test('staff triage a report and hand it to the building yard', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/verwaltung/meldungen`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.getByRole('heading', { level: 1, name: 'Meldungen' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'staff report list');
      await page
        .getByRole('link', { name: /Straßenbeleuchtung/ })
        .first()
        .click();
      await page.getByRole('button', { name: 'Auftrag an den Bauhof' }).click();
      await page.getByText('Auftrag angelegt.').waitFor();
      await page.getByRole('link', { name: 'Zur Arbeitsliste' }).waitFor();
      await page.getByText('In Bearbeitung').first().waitFor();
      await assertNoAxeViolations(page, 'staff report detail');
    });
  });
  void test('staff write a post in the rich-text editor and reach the feedback and category pages', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/anmelden?next=/verwaltung/news/neu`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.getByRole('heading', { level: 1, name: 'Neuer Beitrag' }).waitFor();
      const editor = page.getByRole('textbox', { name: 'Text', exact: true });
      await editor.waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'rich-text editor');
      await page.getByLabel('Titel', { exact: true }).fill('Neue Sensoren am Marktplatz');
      await editor.click();
      await page.keyboard.type('Ab Montag messen drei neue Sensoren.');
      await page.keyboard.press('ControlOrMeta+A');
      await page.getByRole('button', { name: 'Fett' }).click();
      await page.getByRole('button', { name: 'Speichern' }).click();
      // A new post is saved and opened for editing, with the formatted text loaded back from the server.
      await page.getByRole('heading', { level: 1, name: /Neue Sensoren am Marktplatz/ }).waitFor();
      await page.locator('#post-body strong').waitFor();
      assert.match(
        (await editor.innerHTML()) ?? '',
        /<strong>Ab Montag messen drei neue Sensoren\.<\/strong>/,
      );

      await page.goto(`${suite.server.url}/verwaltung/rueckmeldungen`);
      await page.getByRole('heading', { level: 1, name: 'Ideen und Rückmeldungen' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'staff feedback');

      await page.goto(`${suite.server.url}/verwaltung/meldekategorien`);
      await page.getByRole('heading', { level: 1, name: 'Meldekategorien und Gemeindegrenze' }).waitFor();
      await settled(page);
      await assertNoAxeViolations(page, 'staff categories and boundary');
    });
  });
});
