// The rules pages in the browser: rules editor with the history test, alerts with acknowledge and
// comment, the crew's work list on a phone, and the public warnings page; each checked with axe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemActor } from '../../server/src/core/audit/audit.service.js';
import {
  assertNoAxeViolations,
  browserSuite,
  loginThroughForm,
  PHONE,
  settled,
  withPage,
} from './support.js';

void describe('rules, alerts, work list and warnings pages', () => {
  const suite = browserSuite();

  /** The demo glass container on Flieden's market square: its fill level Datastream. */
  async function glassContainer() {
    const { ctx } = suite.server;
    const flieden = await ctx.tenancy.municipalityBySlug('flieden');
    const device = await ctx.db
      .selectFrom('sensor_devices')
      .select('field_map')
      .where('municipality_id', '=', flieden.id)
      .where('name', '=', 'Glascontainer Flieden Marktplatz')
      .executeTakeFirstOrThrow();
    return { flieden, datastreamId: (device.field_map as Record<string, number>).fill_level_pct! };
  }

  void test('an admin writes a rule, tests it against history, switches it on, and handles the alert', async () => {
    const { flieden, datastreamId } = await glassContainer();
    await withPage(suite.browser, async (page) => {
      // The protected page sends to the login form, which brings back here.
      await page.goto(`${suite.server.url}/verwaltung/regeln`);
      await loginThroughForm(page, 'admin@flieden.example');
      await page.waitForURL((url) => url.pathname === '/verwaltung/regeln');
      await settled(page);
      await page.getByRole('heading', { level: 1, name: 'Regeln' }).waitFor();
      await page.getByRole('heading', { name: 'Glascontainer voll' }).waitFor(); // from the demo seed
      await assertNoAxeViolations(page, 'rules page');

      await page.getByLabel('Name', { exact: true }).fill('Container fast voll');
      await page
        .getByLabel(/Glascontainer Flieden Marktplatz/)
        .first()
        .check();
      await page.getByLabel('Wert', { exact: true }).fill('60');
      await page.getByLabel('Aufgabe für den Bauhof (Titel, optional)').fill('Container am Markt leeren');
      await page.getByRole('button', { name: 'Test starten' }).click();
      await page.getByTestId('history-result').waitFor();
      await page.getByRole('button', { name: 'Regel speichern' }).click();
      await page.getByText('Die Regel ist gespeichert.').waitFor();
      const card = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: 'Container fast voll' }) });
      await card.getByRole('button', { name: /^Einschalten/ }).click();
      await card.getByRole('button', { name: /^Ausschalten/ }).waitFor();

      // A value above the rule's threshold arrives, as from the sensor.
      await suite.server.ctx.observations.create(flieden.id, [
        { datastreamId, phenomenonTime: { start: new Date(), end: null }, result: 72 },
      ]);
      await suite.server.ctx.rules.engine.idle();

      await page.goto(`${suite.server.url}/verwaltung/alarme`);
      await settled(page);
      const link = page.getByRole('link', { name: 'Container fast voll: Glascontainer Flieden Marktplatz' });
      await assertNoAxeViolations(page, 'alerts list');
      await link.click();
      await page
        .getByRole('heading', { level: 1, name: 'Container fast voll: Glascontainer Flieden Marktplatz' })
        .waitFor();
      await page.getByRole('button', { name: 'Bestätigen – ich kümmere mich' }).click();
      await page.getByText('Bestätigt').first().waitFor();
      await page.getByRole('textbox', { name: 'Kommentar' }).fill('Bauhof ist informiert');
      await page.getByRole('button', { name: 'Kommentar speichern' }).click();
      await page.getByText(/Bauhof ist informiert/).waitFor();
      await assertNoAxeViolations(page, 'alert detail');
    });
  });

  void test('the crew sees the task on a phone and reports it done, which resolves the alert', async () => {
    const { flieden } = await glassContainer();
    const task = await suite.server.ctx.db
      .selectFrom('tasks')
      .select(['id', 'source_id'])
      .where('municipality_id', '=', flieden.id)
      .where('title', '=', 'Container am Markt leeren')
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/verwaltung/aufgaben`);
        await loginThroughForm(page, 'admin@flieden.example');
        await page.waitForURL((url) => url.pathname === '/verwaltung/aufgaben');
        await settled(page);
        await page.getByRole('heading', { name: 'Container am Markt leeren' }).waitFor();
        await page.getByText('Route', { exact: true }).waitFor();
        await assertNoAxeViolations(page, 'work list on a phone');
        const card = page.getByRole('listitem').filter({
          has: page.getByRole('heading', { name: 'Container am Markt leeren' }),
        });
        await card.getByRole('button', { name: /^Erledigt/ }).click();
        await page.getByText('Als erledigt gemeldet: Container am Markt leeren').waitFor();
      },
      PHONE,
    );
    const alert = await suite.server.ctx.rules.getAlert(task.source_id);
    for (let i = 0; i < 100 && (await suite.server.ctx.rules.getAlert(alert.id)).status !== 'resolved'; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await suite.server.ctx.rules.getAlert(alert.id)).resolution, 'task_done');
  });

  void test('the public warnings page shows warnings and takes a subscription, in German and English', async () => {
    const { flieden } = await glassContainer();
    await suite.server.ctx.rules.createWarning(
      flieden.id,
      { level: 'severe', title: 'Hochwasser an der Fliede', text: 'Bitte meiden Sie die Uferwege.' },
      systemActor('test'),
    );
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/warnungen`);
      await settled(page);
      await page.getByText('Hoch: Hochwasser an der Fliede – Flieden').waitFor();
      await assertNoAxeViolations(page, 'warnings page');
      await page.getByLabel('E-Mail-Adresse').fill('anwohner@example.org');
      await page.getByRole('button', { name: 'Per E-Mail abonnieren' }).click();
      await page.getByText(/Fast geschafft/).waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Warnings' }).waitFor();
      await assertNoAxeViolations(page, 'warnings page (en)');
    });
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(`${suite.server.url}/warnungen`);
        await settled(page);
        await assertNoAxeViolations(page, 'warnings page on a phone');
      },
      PHONE,
    );
  });
});
