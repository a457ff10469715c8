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

      // An empty form: the error summary takes the focus and each message is tied to its field.
      await page.getByRole('button', { name: 'Regel speichern' }).click();
      await page.getByRole('heading', { name: 'Bitte korrigieren Sie Folgendes' }).waitFor();
      assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#rule-c0-ds').getAttribute('aria-describedby'), 'rule-c0-ds-error');
      await assertNoAxeViolations(page, 'rules editor with errors');

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

      // A combination: either condition (OR) on two conditions, only on weekdays in working hours,
      // shared with the region; tested against history before it is saved.
      await page.getByLabel('Name', { exact: true }).fill('Container voll oder Batterie leer');
      await page.locator('#rule-c0-ds input[type=checkbox]').first().check();
      await page.locator('#rule-c0-value').fill('90');
      await page.locator('#rule-c0-hysteresis').fill('10');
      await page.locator('#rule-c0-for').fill('15');
      await page.getByRole('button', { name: 'Weitere Bedingung hinzufügen' }).click();
      await page.locator('#rule-c1-kind').selectOption('silent');
      await page.locator('#rule-c1-ds input[type=checkbox]').first().check();
      await page.locator('#rule-c1-value').fill('120');
      await page.getByLabel('Verknüpfung der Bedingungen').selectOption('any');
      await page.getByLabel('Nur zu bestimmten Zeiten aktiv').check();
      await page.getByLabel('Samstag').uncheck();
      await page.getByLabel('Sonntag').uncheck();
      await page.getByLabel('Aktiv ab (Uhrzeit)').fill('06:30');
      await page.getByLabel('Mit den anderen Gemeinden der Region als Vorlage teilen').check();
      await page.getByRole('button', { name: 'Test starten' }).click();
      await page.getByTestId('history-result').waitFor();
      await assertNoAxeViolations(page, 'rules editor with two conditions and a schedule');
      await page.getByRole('button', { name: 'Regel speichern' }).click();
      await page.getByText('Die Regel ist gespeichert.').waitFor();
      const combined = page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: 'Container voll oder Batterie leer' }) });
      await combined.getByText(/ODER/).waitFor();
      const stored = await suite.server.ctx.db
        .selectFrom('rules')
        .select(['condition', 'schedule', 'shared', 'enabled'])
        .where('municipality_id', '=', flieden.id)
        .where('name', '=', 'Container voll oder Batterie leer')
        .executeTakeFirstOrThrow();
      const condition = stored.condition as { type: string; conditions: Record<string, unknown>[] };
      assert.equal(condition.type, 'any');
      assert.deepEqual(
        condition.conditions.map((c) => c.type),
        ['threshold', 'silent'],
      );
      assert.equal(condition.conditions[0]!.hysteresis, 10);
      assert.equal(condition.conditions[0]!.forSeconds, 900);
      assert.deepEqual(stored.schedule, { days: [1, 2, 3, 4, 5], from: '06:30', to: '18:00' });
      assert.equal(stored.shared, true);
      assert.equal(stored.enabled, false, 'saved switched off until someone switches it on');
      // Editing loads the rule back into the form.
      await combined.getByRole('button', { name: /^Bearbeiten/ }).click();
      await page
        .getByRole('heading', { name: 'Regel bearbeiten: Container voll oder Batterie leer' })
        .waitFor();
      assert.equal(await page.locator('#rule-c1-value').inputValue(), '120');

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
        // The building yard stores its depot; the route then starts there.
        await page.getByText('Depot des Teams festlegen').first().click();
        const form = page.locator('details[open]');
        await form.getByLabel('Team', { exact: true }).selectOption({ label: 'Bauhof' });
        await form.getByLabel(/^Breitengrad/).fill('50,4301');
        await form.getByLabel(/^Längengrad/).fill('9,5702');
        await form.getByLabel('Bezeichnung (optional)').fill('Bauhof Flieden, Gartenstraße');
        await form.getByRole('button', { name: 'Depot speichern' }).click();
        await page.getByText('Startpunkt: Bauhof Flieden, Gartenstraße').waitFor();
        await assertNoAxeViolations(page, 'work list with the depot form');
        const mapLink = page
          .getByRole('listitem')
          .filter({ has: page.getByRole('heading', { name: 'Container am Markt leeren' }) })
          .getByRole('link', { name: /^Auf der Karte öffnen/ });
        assert.match((await mapLink.getAttribute('href')) ?? '', /^geo:50\.\d+,9\.\d+\?q=/);
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
      {
        level: 'severe',
        title: 'Hochwasser an der Fliede',
        text: 'Bitte meiden Sie die Uferwege.',
        areaDescription: 'Fliedeaue',
        area: {
          type: 'Polygon',
          coordinates: [
            [
              [9.56, 50.42],
              [9.58, 50.42],
              [9.58, 50.43],
              [9.56, 50.43],
              [9.56, 50.42],
            ],
          ],
        },
      },
      systemActor('test'),
    );
    await withPage(suite.browser, async (page) => {
      await page.goto(`${suite.server.url}/warnungen`);
      await settled(page);
      await page.getByText('Hoch: Hochwasser an der Fliede – Flieden').waitFor();
      // The area as an outline with its text alternative, and the validity.
      await page.getByRole('img', { name: /^Warngebiet Fliedeaue: etwa 1,4 × 1,1 km/ }).waitFor();
      await page
        .getByText(/^Gültig seit/)
        .first()
        .waitFor();
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
