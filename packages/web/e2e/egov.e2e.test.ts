// The online-services scenario of issue 6 in the browser: a citizen of Flieden applies for a birth
// certificate, pays the fee with the test provider, a caseworker of Kalbach who stands in for Flieden
// approves it in the back office, the connector delivers it FIT-Connect-encrypted to a local receiver that
// decrypts and checks the JWE, the receiver's answer completes the case, and the citizen downloads the
// documents.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { systemActor } from '../../server/src/core/audit/audit.service.js';
import { signFitConnectCallback } from '../../server/src/egov/connectors/fit-connect.connector.js';
import {
  startConnectorTestReceiver,
  type ConnectorTestReceiver,
} from '../../server/src/test-support/connector-test-receiver.js';
import { freePort } from '../../server/src/test-support/oidc-test-provider.js';
import { waitFor } from '../../server/src/test-support/wait.js';
import {
  assertNoAxeViolations,
  browserSuite,
  demoService,
  loginThroughForm,
  settled,
  withPage,
} from './support.js';

const LEIKA_PERSONENSTANDSURKUNDE = 'urn:de:fim:leika:leistung:99050012104000';
const CALLBACK_SECRET = 'callback-secret-of-the-register-0123';

/** Reloads `path` until `done` holds (background jobs move the case on their own time). */
async function reloadUntil(page: Page, path: string, done: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    await page.goto(path);
    await settled(page);
    if (await done()) return;
    await page.waitForTimeout(1000);
  }
  assert.fail(`${path}: the expected state never came`);
}

void describe('online services end to end, in the browser', () => {
  let receiver: ConnectorTestReceiver;
  const suite = browserSuite(async () => {
    // The payment provider sends the browser to PUBLIC_URL, so the port is fixed before the start.
    const port = await freePort();
    receiver = await startConnectorTestReceiver();
    return { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` };
  });
  after(() => receiver?.close());

  test('Flieden citizen applies and pays, a Kalbach caseworker decides, the register answers, the citizen downloads', async () => {
    const { server, browser } = suite;
    const flieden = await server.ctx.db
      .selectFrom('municipalities')
      .select('id')
      .where('slug', '=', 'flieden')
      .executeTakeFirstOrThrow();
    // Flieden's register of births (a Fachverfahren) receives certificates over FIT-Connect.
    const destination = await server.ctx.connectors.saveDestination(
      {
        municipalityId: flieden.id,
        serviceKey: LEIKA_PERSONENSTANDSURKUNDE,
        kind: 'fit-connect',
        name: 'Personenstandsregister Flieden',
        settings: {
          submissionApiUrl: receiver.url,
          destinationId: receiver.destinationId,
          encryptionKey: receiver.publicKey,
          callbackSecret: CALLBACK_SECRET,
        },
        enabled: true,
      },
      systemActor('test'),
    );

    /**
     * The caseworker of Kalbach stands in for Flieden: the case is in her inbox; she asks for a further fee
     * (the citizen gets a pay link in the mailbox) and approves the case.
     */
    const caseworkerApproves = () =>
      withPage(browser, async (page) => {
        await page.goto(`${server.url}/anmelden`);
        await loginThroughForm(page, 'sachbearbeitung@kalbach.example');
        await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));
        await page.goto(`${server.url}/verwaltung/vorgaenge`);
        await settled(page);
        const row = page.getByRole('row').filter({ hasText: reference });
        assert.match((await row.textContent())!, /Flieden/);
        await row.getByRole('link', { name: reference }).click();
        await page.getByRole('button', { name: 'Übernehmen' }).click();
        await page.getByTestId('status').getByText('In Bearbeitung').waitFor();
        // A fee set later: an amount that is none is named at its field; a valid one sends the pay link.
        const amount = page.getByLabel('Betrag in Euro');
        await amount.fill('acht');
        await page.getByLabel('Verwendungszweck').fill('Zweitschrift der Urkunde');
        await page.getByRole('button', { name: 'Zahlungslink senden' }).click();
        await page.getByText('Bitte geben Sie einen Betrag').waitFor();
        assert.equal(await amount.getAttribute('aria-invalid'), 'true');
        assert.equal(await amount.evaluate((input) => input === document.activeElement), true);
        await assertNoAxeViolations(page, 'the case page with a fee error');
        await amount.fill('8,50');
        await page.getByRole('button', { name: 'Zahlungslink senden' }).click();
        await page.getByText('Der Zahlungslink wurde an die antragstellende Person gesendet.').waitFor();
        await page
          .getByRole('listitem')
          .filter({ hasText: /Zweitschrift der Urkunde, 8,50\s€/ })
          .waitFor();
        await page.getByRole('button', { name: 'Genehmigen und abschließen' }).click();
        await page.getByRole('heading', { name: /Personenstandsurkunde/ }).waitFor();
      });

    /** The connector delivers the case encrypted; the receiver decrypts it and checks every hash; the
     * register accepts with a signed callback. */
    const registerAccepts = async () => {
      const received = await waitFor(
        'the delivery',
        () =>
          Promise.resolve(
            receiver.submissions.find((s) => JSON.stringify(s.data).includes('Erika Mustermann')),
          ),
        60_000,
      );
      assert.equal(received.verified, true, received.problems.join('; '));
      assert.deepEqual(received.problems, []);
      assert.equal(received.serviceType.identifier, LEIKA_PERSONENSTANDSURKUNDE);
      assert.equal(received.attachments.length, 1);
      assert.equal(received.attachments[0]!.content.toString(), '%PDF-1.4 Ausweis von Erika Mustermann');

      // The register accepts: its signed callback completes the case.
      const body = JSON.stringify({ submissionId: received.submissionId, event: 'accept-submission' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const callback = await fetch(`${server.url}/api/egov/connectors/callbacks/${destination.id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'callback-authentication': signFitConnectCallback(CALLBACK_SECRET, timestamp, body),
          'callback-timestamp': timestamp,
        },
        body,
      });
      assert.ok(callback.ok, `callback answered ${callback.status}`);
    };

    let casePath = '';
    let reference = '';
    await withPage(browser, async (page) => {
      await page.goto(`${server.url}/anmelden`);
      await loginThroughForm(page, 'buerger@example.org');
      await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));
      await page.goto(`${server.url}/buergerservice`);
      await settled(page);
      await page.locator('#egov-municipality').selectOption({ label: 'Flieden' });
      await page.getByRole('link', { name: /Personenstandsurkunde/ }).click();

      // Step 1: the certificate.
      await page.getByLabel('Geburtsurkunde').check();
      await page.getByLabel('Name der Person in der Urkunde').fill('Erika Mustermann');
      const eventDate = page.getByLabel(/Datum der Geburt/);
      await eventDate.fill('17.05.1980');
      await eventDate.press('Tab');
      await page.getByLabel('Ort des Ereignisses').fill('Fulda');
      await page.getByLabel('Anzahl der Urkunden').fill('2');
      // form-js draws its own select: open it by its display, then pick the option.
      await page.locator('[id$="Field_zweck-display"]').click();
      await page.locator('.fjs-dropdownlist-item', { hasText: 'Rente' }).click();
      await page.getByLabel('Kopie Ihres Ausweises (PDF oder Bild)').setInputFiles({
        name: 'ausweis.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4 Ausweis von Erika Mustermann'),
      });
      await assertNoAxeViolations(page, 'the application form');
      await page.getByRole('button', { name: 'Weiter', exact: true }).click();

      // Step 2: the applicant.
      await page.getByLabel('Vorname').fill('Erika');
      await page.getByLabel('Familienname').fill('Mustermann');
      const birthday = page.getByLabel('Geburtsdatum');
      await birthday.fill('17.05.1980');
      await birthday.press('Tab');
      await page.getByLabel('E-Mail-Adresse').fill('erika@example.org');
      await page.getByLabel('Straße und Hausnummer').fill('Marktplatz 3');
      await page.getByLabel('Postleitzahl').fill('36103');
      await page.locator('[id$="-Field_ort"]').fill('Flieden'); // the label "Ort" is part of others
      await page.getByRole('button', { name: 'Weiter', exact: true }).click();

      // Step 3: confirm and send.
      await page.getByLabel(/Ich bestätige/).check();
      await page.getByRole('button', { name: 'Antrag verbindlich absenden' }).click();
      await page.getByTestId('reference').waitFor();
      reference = (await page.getByTestId('reference').textContent())!.trim();
      casePath = new URL(page.url()).pathname;
      assert.match(reference, /^\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      // The process starts in a job after the answer; the page asks again until the payment link is there.
      await page.getByRole('link', { name: /jetzt online bezahlen/ }).waitFor();
      assert.equal(await page.getByTestId('status').textContent(), 'Ihre Mithilfe nötig');
      assert.equal(await page.getByTestId('processing').count(), 0);
      await assertNoAxeViolations(page, 'the case page with the fee to pay');

      // The fee: through the test provider's redirect and signed confirmation.
      await page.getByRole('link', { name: /jetzt online bezahlen/ }).click();
      await page.getByRole('button', { name: /bezahlen/ }).click();
      await page.getByRole('button', { name: 'Testzahlung bestätigen' }).click();
      await page.getByText('Bezahlt').first().waitFor();
      await reloadUntil(
        page,
        `${server.url}${casePath}`,
        async () => (await page.getByTestId('status').textContent()) === 'Eingegangen',
      );
      assert.equal(await page.getByRole('link', { name: /jetzt online bezahlen/ }).count(), 0);

      await caseworkerApproves();
      await registerAccepts();

      // The citizen sees the case completed and downloads the documents.
      await reloadUntil(
        page,
        `${server.url}${casePath}`,
        async () =>
          (await page.getByTestId('status').textContent()) === 'Erledigt' &&
          (await page.getByRole('button', { name: /Begleitschreiben/ }).count()) > 0,
      );
      await assertNoAxeViolations(page, 'the completed case');
      // The further fee the caseworker asked for: its pay link in the mailbox is a link.
      const further = page.getByRole('listitem').filter({ hasText: 'Zweitschrift der Urkunde' });
      assert.equal(await further.getByRole('link', { name: /\/bezahlen\// }).count(), 1);
      for (const name of [/Eingangsbestätigung/, /Begleitschreiben/]) {
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('button', { name }).first().click(),
        ]);
        const path = await download.path();
        const pdf = await readFile(path);
        assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', `${download.suggestedFilename()} is a PDF`);
        assert.match(download.suggestedFilename(), /\.pdf$/);
      }
    });
  });

  test('a citizen adds applications made without an account: on the resume link, and by reference', async () => {
    const { server, browser } = suite;
    const db = server.ctx.db;
    const { municipality: flieden, service } = await demoService(server, 'flieden', 'personenstandsurkunde');
    const offer = await server.ctx.egov.catalogue.offer(flieden.id, service.id);
    const anonymousDraft = () =>
      server.ctx.egov.cases.createDraft({
        municipalityId: flieden.id,
        ...offer,
        userId: null,
        testMode: false,
        data: { urkunde: { art: 'geburt' } },
        actor: systemActor('test'),
      });
    const onLink = await anonymousDraft();
    const byReference = await anonymousDraft();

    await withPage(browser, async (page) => {
      await page.goto(`${server.url}/anmelden`);
      await loginThroughForm(page, 'buerger@example.org');
      await page.waitForURL((url) => !url.pathname.startsWith('/anmelden'));

      // Opened with its resume link while logged in: the portal offers to add it.
      await page.goto(`${server.url}/buergerservice/antraege/${onLink.case.id}#${onLink.resumeToken}`);
      const add = page.getByRole('button', { name: 'Antrag zu meinem Konto hinzufügen' });
      await add.waitFor();
      await assertNoAxeViolations(page, 'the offer to add an application to the account');
      await add.click();
      await page.getByRole('status').getByText('Der Antrag gehört jetzt zu Ihrem Konto.').waitFor();

      // Under "Meine Anträge", the other one by the receipt's reference and its resume link.
      await page.goto(`${server.url}/buergerservice`);
      const mine = page.getByRole('region', { name: 'Meine Anträge' });
      await mine.getByRole('link', { name: new RegExp(onLink.case.reference) }).waitFor();
      const form = page.getByRole('form', { name: 'Antrag ohne Konto gestellt?' });
      await form.getByRole('button', { name: 'Antrag zu meinem Konto hinzufügen' }).click();
      await form.getByText('Bitte geben Sie das Aktenzeichen ein.').waitFor();
      assert.equal(await form.getByLabel('Ihr Aktenzeichen').getAttribute('aria-invalid'), 'true');
      await form.getByLabel('Ihr Aktenzeichen').fill(byReference.case.reference);
      await form
        .getByLabel('Link zum Weitermachen')
        .fill(`${server.url}/buergerservice/antraege/${byReference.case.id}#${byReference.resumeToken}`);
      await form.getByRole('button', { name: 'Antrag zu meinem Konto hinzufügen' }).click();
      await form
        .getByRole('status')
        .getByText(`Der Antrag ${byReference.case.reference} gehört jetzt zu Ihrem Konto.`)
        .waitFor();
      await mine.getByRole('link', { name: new RegExp(byReference.case.reference) }).waitFor();
      await assertNoAxeViolations(page, 'my applications with the form to add one');
    });
    const owners = await db
      .selectFrom('egov_cases')
      .innerJoin('users', 'users.id', 'egov_cases.citizen_user_id')
      .select('users.email')
      .where('egov_cases.id', 'in', [onLink.case.id, byReference.case.id])
      .execute();
    assert.deepEqual(
      owners.map((o) => o.email),
      ['buerger@example.org', 'buerger@example.org'],
    );
  });
});
