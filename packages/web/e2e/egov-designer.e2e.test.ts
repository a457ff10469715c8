// Process design of issue 6 in the browser: a process designer opens the Meldebescheinigung, creates a
// draft, adds a field in the form-js editor, renames a task in the bpmn-js modeler, saves, runs the draft
// in test mode (the new field is in the test form), and publishes; a case started on the old version
// keeps it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemActor } from '../../server/src/core/audit/audit.service.js';
import {
  assertNoAxeViolations,
  browserSuite,
  demoService,
  loginThroughForm,
  screenshotPath,
  settled,
  withPage,
} from './support.js';

void describe('process designer in the browser', () => {
  const suite = browserSuite();

  test('draft, form field, BPMN change, save, test run, publish; running cases keep their version', async () => {
    const { server, browser } = suite;
    const db = server.ctx.db;
    const { municipality: flieden, service } = await demoService(server, 'flieden', 'meldebescheinigung');
    const v1 = await server.ctx.egov.catalogue.publishedVersion(service.id);
    // A citizen's application started on version 1, before the designer publishes anything.
    const citizen = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'buerger@example.org')
      .executeTakeFirstOrThrow();
    const running = await server.ctx.egov.cases.createDraft({
      municipalityId: flieden.id,
      version: v1,
      params: await server.ctx.egov.catalogue.params(flieden.id, service.id),
      userId: citizen.id,
      testMode: false,
      data: {},
      actor: systemActor('test'),
    });

    await withPage(browser, async (page) => {
      await page.goto(`${server.url}/anmelden`);
      await loginThroughForm(page, 'prozesse@suedkreis.example');
      await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));
      await page.goto(`${server.url}/verwaltung/prozesse`);
      await settled(page);
      const section = page.getByRole('region', { name: v1.name }).first();
      await section.getByRole('button', { name: 'Neuen Entwurf anlegen' }).click();
      await page.waitForURL(/\/verwaltung\/prozesse\/[^/]+\/versionen\/[^/]+$/);
      const draftId = page.url().split('/').pop()!;
      await page.getByTestId('version-status').getByText('Entwurf').waitFor();

      // Formular: the editor shows the version's form; a new field goes in front (the first step).
      const tabs = page.getByRole('tablist', { name: 'Bereiche der Version' });
      assert.equal(await tabs.getByRole('tab', { name: 'Formular' }).getAttribute('aria-selected'), 'true');
      await page.locator('.srp-form-editor .fjs-palette').waitFor();
      await page.locator('.srp-form-editor .fjs-form-field').first().waitFor();
      // Dragging from the palette is a mouse gesture the editor's drag library does not take from a
      // synthetic pointer reliably; the editor's own modeling API adds the field instead.
      await page.evaluate(() => {
        const editor = (window as unknown as { srpFormEditor: { get(name: string): unknown } }).srpFormEditor;
        const registry = editor.get('formFieldRegistry') as { getAll(): { type: string }[] };
        const modeling = editor.get('modeling') as {
          addFormField(attrs: Record<string, unknown>, target: unknown, index: number): void;
        };
        const root = registry.getAll().find((f) => f.type === 'default');
        modeling.addFormField(
          {
            type: 'textfield',
            key: 'testfeld_designer',
            label: 'Neues Feld aus dem Designer',
            validate: { required: true },
          },
          root,
          0,
        );
      });
      await page.locator('.srp-form-editor').getByText('Neues Feld aus dem Designer').first().waitFor();
      await page.getByRole('button', { name: 'Vorschau aktualisieren' }).click();
      await page
        .getByTestId('form-preview')
        .getByLabel(/Neues Feld aus dem Designer/)
        .waitFor();
      await page.screenshot({ path: screenshotPath('egov-designer-form.png'), fullPage: true });
      // The whole page, the editors' own markup included, passes WCAG 2.1 AA rules.
      await assertNoAxeViolations(page, 'designer, form tab');

      // Ablauf: keyboard to the next tab, pick the review task on the canvas, rename it in the panel.
      await tabs.getByRole('tab', { name: 'Formular' }).focus();
      await page.keyboard.press('ArrowRight');
      assert.equal(
        await tabs.getByRole('tab', { name: 'Ablauf (BPMN)' }).getAttribute('aria-selected'),
        'true',
      );
      const services = page.getByTestId('service-tasks');
      await services.getByText('${environment.services.requestPayment}').waitFor();
      await page.locator('.srp-bpmn-canvas [data-element-id="Pruefen"]').click();
      const name = page.getByLabel('Name', { exact: true });
      assert.equal(await name.inputValue(), 'Meldedaten prüfen');
      await name.fill('Meldedaten prüfen (Testlauf)');
      await page.getByRole('button', { name: 'Übernehmen' }).click();
      // A service task's call is chosen from the allowed ones.
      // The timer's flow runs through the task's middle: click near its top edge.
      await page
        .locator('.srp-bpmn-canvas [data-element-id="Erinnern"]')
        .click({ position: { x: 50, y: 12 } });
      await page.getByLabel('Aufruf').selectOption('notifyCitizen');
      await page.getByLabel(/Argument/).fill('erinnerung');
      await page.getByRole('button', { name: 'Übernehmen' }).click();
      await services.getByText('${environment.services.notifyCitizen("erinnerung")}').waitFor();
      // The review's deadline (a timer on the task's edge): its duration, checked before it is taken.
      await page.locator('.srp-bpmn-canvas [data-element-id="Frist"]').click();
      const duration = page.getByLabel(/Wartezeit oder Frist/);
      assert.equal(await duration.inputValue(), 'P3D');
      await duration.fill('drei Tage');
      await page.getByRole('button', { name: 'Übernehmen' }).click();
      await page.getByText('Bitte geben Sie eine Dauer wie P3D').waitFor();
      assert.equal(await duration.getAttribute('aria-invalid'), 'true');
      await duration.fill('P5D');
      await page.getByRole('button', { name: 'Übernehmen' }).click();
      assert.equal(await duration.getAttribute('aria-invalid'), null);
      await page.screenshot({ path: screenshotPath('egov-designer-bpmn.png'), fullPage: true });
      await assertNoAxeViolations(page, 'designer, BPMN tab');

      await tabs.getByRole('tab', { name: 'Einstellungen' }).click();
      await page.getByLabel('Bearbeitungsfrist (Tage)').fill('9');

      // Gebühren as a form: the version's two rules, a new surcharge with an exemption, the example fee.
      const fees = page.getByRole('group', { name: 'Gebührenregeln' });
      const label = 'Bezeichnung (sehen die Antragstellenden)';
      const amount = 'Betrag in Euro (je Stück, wenn gezählt wird)';
      assert.equal(await fees.getByLabel(label).first().inputValue(), 'Einfache Meldebescheinigung');
      await fees.getByRole('button', { name: 'Gebühr hinzufügen' }).click();
      const surcharge = fees.getByRole('group', { name: /^Gebühr 3/ });
      await surcharge.getByLabel(amount).fill('zwölf');
      await surcharge.getByText(/Bitte geben Sie einen Betrag in Euro an/).waitFor();
      assert.equal(await surcharge.getByLabel(amount).getAttribute('aria-invalid'), 'true');
      assert.match(
        (await surcharge.getByLabel(amount).getAttribute('aria-describedby')) ?? '',
        /fee-2-amount-error/,
      );
      await surcharge.getByLabel(label).fill('Eilzuschlag');
      await surcharge.getByLabel(amount).fill('7,50');
      const exemption = surcharge.getByRole('group', { name: 'Befreiung' });
      await exemption.getByLabel('Die Gebühr entfällt').selectOption('equals');
      await exemption.getByLabel('Formularfeld').selectOption('bescheinigung.art');
      await exemption.getByLabel('Wert', { exact: true }).fill('einfach');
      const example = page.getByRole('region', { name: 'Beispielrechnung' });
      const art = example.getByLabel(/bescheinigung\.art/);
      await art.fill('erweitert');
      await example.getByText(/Gebühr gesamt: 15,50\s€/).waitFor();
      await art.fill('einfach');
      await example.getByText(/Gebühr gesamt: 5,00\s€/).waitFor();
      // The JSON view for experts shows the same rules.
      await page.getByText('Gebührenregeln als JSON (für Fachleute)').click();
      assert.match(await page.getByLabel('Gebührenregeln (JSON)').inputValue(), /"Eilzuschlag"/);
      await page.screenshot({ path: screenshotPath('egov-designer-settings.png'), fullPage: true });
      await assertNoAxeViolations(page, 'designer, settings tab');

      await page.getByRole('button', { name: 'Speichern', exact: true }).click();
      await page.getByRole('status').getByText('Gespeichert.').waitFor();
      const saved = await server.ctx.egov.catalogue.version(draftId);
      assert.equal(saved.processing_days, 9);
      assert.deepEqual(saved.fee_rules[2], {
        id: 'gebuehr-3',
        label: 'Eilzuschlag',
        amountCents: 750,
        unless: { field: 'bescheinigung.art', equals: 'einfach' },
      });
      assert.match(saved.bpmn_xml, /name="Meldedaten prüfen \(Testlauf\)"/);
      assert.match(
        saved.bpmn_xml,
        /notifyCitizen\(&#34;erinnerung&#34;\)|notifyCitizen\(&quot;erinnerung&quot;\)/,
      );
      assert.ok(JSON.stringify(saved.form_schema).includes('testfeld_designer'));
      assert.match(saved.bpmn_xml, /<bpmn:timeDuration[^>]*>P5D<\/bpmn:timeDuration>/);

      // Testlauf: the portal form of the draft, in a test-mode case of the designer.
      await page.getByRole('button', { name: 'Testlauf starten' }).click();
      await page.waitForURL(/\/buergerservice\/antrag\/.*testVersion=/);
      await page.getByText(/Testlauf des Entwurfs \(Version 2\)/).waitFor();
      await page.getByLabel(/Neues Feld aus dem Designer/).fill('Probe');
      const testCaseId = new URL(page.url()).searchParams.get('testCase')!;
      const testCase = await db
        .selectFrom('egov_cases')
        .select(['service_version_id', 'test_mode'])
        .where('id', '=', testCaseId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(testCase, { service_version_id: draftId, test_mode: true });

      // Veröffentlichen, after a confirmation.
      await page.goBack();
      await page.getByTestId('version-status').getByText('Entwurf').waitFor();
      await page.getByRole('button', { name: 'Veröffentlichen' }).click();
      const dialog = page.getByRole('dialog', { name: 'Version veröffentlichen?' });
      await dialog.getByRole('button', { name: 'Veröffentlichen' }).click();
      await page.getByTestId('version-status').getByText('Veröffentlicht').waitFor();
      await page.getByRole('button', { name: 'Neue Version (Entwurf)' }).waitFor();
      await page.getByText('Diese Version ist veröffentlicht').waitFor();
    });

    const published = await server.ctx.egov.catalogue.publishedVersion(service.id);
    assert.equal(published.version, 2);
    assert.equal((await server.ctx.egov.catalogue.version(v1.id)).status, 'retired');
    const kept = await db
      .selectFrom('egov_cases')
      .select('service_version_id')
      .where('id', '=', running.case.id)
      .executeTakeFirstOrThrow();
    assert.equal(kept.service_version_id, v1.id, 'the case started before publishing keeps version 1');
  });
});
