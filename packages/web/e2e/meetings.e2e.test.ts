// Video meetings in real browsers: two and four Chromium peers with fake camera and microphone join a
// club's room through the meeting page and exchange media directly (the relayed run through coturn is
// meetings-relay.e2e.test.ts); and the host's room list, guest link and waiting room as a person uses them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestClub } from '../../server/src/test-support/cloud.js';
import { TEST_PASSWORD } from '../../server/src/test-support/factories.js';
import { instrument, meetAndMeasure, MEDIA_ARGS } from './meetings-support.js';
import { assertNoAxeViolations, browserSuite, loginThroughForm, PHONE, screenshotPath } from './support.js';

const suite = browserSuite(undefined, MEDIA_ARGS);

describe('video meetings in the browser', () => {
  test('two peers exchange audio and video directly', () => meetAndMeasure(suite, 2, false));
  test('four peers exchange audio and video directly in a full mesh', () => meetAndMeasure(suite, 4, false));
  test('the host creates a room and a guest link; a guest knocks, is let in, and both see each other', async () => {
    const { club, admin } = await createTestClub(suite.server.ctx);
    await suite.server.ctx.db
      .updateTable('users')
      .set({ display_name: 'Vorstand' })
      .where('id', '=', admin.id)
      .execute();
    const hostContext = await suite.browser.newContext({
      locale: 'de-DE',
      viewport: { width: 1000, height: 800 },
    });
    const guestContext = await suite.browser.newContext({ locale: 'de-DE', viewport: PHONE });
    const errors: string[] = [];
    try {
      await hostContext.addInitScript({ content: instrument(false) });
      await guestContext.addInitScript({ content: instrument(false) });
      const host = await hostContext.newPage();
      host.on('pageerror', (error) => errors.push(error.message));
      await host.goto(`${suite.server.url}/anmelden?next=/vereinscloud`);
      await loginThroughForm(host, admin.email, TEST_PASSWORD);
      await host.getByRole('link', { name: 'Videotreffen' }).click();
      await host.getByRole('heading', { level: 2, name: club.name }).waitFor();
      await host.getByLabel('Name des Raums').fill('Elternabend');
      await host.getByRole('button', { name: 'Raum anlegen' }).click();
      await host.getByRole('button', { name: 'Gastlink erstellen: Elternabend' }).click();
      const link = await host.locator('.srp-meeting__link').textContent();
      const guestPath = new URL(link ?? '').pathname + new URL(link ?? '').search;
      assert.match(guestPath, /^\/treffen\/[0-9a-f-]{36}\?gast=/);
      await assertNoAxeViolations(host, 'meeting rooms page');

      await host.getByRole('link', { name: 'Beitreten: Elternabend' }).click();
      await host.getByRole('button', { name: 'Treffen beitreten' }).click();
      await host.getByText('Niemand wartet.').waitFor();
      await host.getByRole('button', { name: 'Raum sperren' }).click();
      await host.getByRole('button', { name: 'Raum entsperren' }).waitFor();

      const guest = await guestContext.newPage();
      guest.on('pageerror', (error) => errors.push(error.message));
      await guest.goto(`${suite.server.url}${guestPath}`);
      await guest.getByRole('button', { name: 'Treffen beitreten' }).click();
      await guest.getByText('Bitte geben Sie Ihren Namen ein (höchstens 60 Zeichen).').waitFor();
      await guest.getByLabel('Ihr Name').fill('Frau Gast');
      await guest.getByRole('button', { name: 'Treffen beitreten' }).click();
      await guest.getByText('Sie sind im Warteraum.', { exact: false }).waitFor();
      await assertNoAxeViolations(guest, 'waiting room on a phone');

      await host.getByRole('button', { name: 'Hereinlassen: Frau Gast' }).click();
      await guest.getByRole('heading', { name: 'Teilnehmende (2 von 6)' }).waitFor();
      await host.locator('figcaption', { hasText: 'Frau Gast' }).getByText(/Gast/).first().waitFor();
      for (const page of [host, guest]) {
        await page.waitForFunction(
          () =>
            (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.some(
              (pc) => pc.connectionState === 'connected',
            ),
          undefined,
          { timeout: 60_000, polling: 500 },
        );
      }
      await host.screenshot({ path: screenshotPath('meeting-host.png') });
      await guest.getByRole('button', { name: 'Verlassen' }).click();
      await guest.getByText('Sie haben das Treffen verlassen.').waitFor();
      await host.getByRole('heading', { name: 'Teilnehmende (1 von 6)' }).waitFor();
    } finally {
      await hostContext.close();
      await guestContext.close();
    }
    assert.deepEqual(errors, [], 'the pages threw script errors');
  });
});
