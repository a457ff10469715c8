import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { loggedInClient, TestClient } from '../../test-support/http.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  grantTestRole,
  TEST_PASSWORD,
} from '../../test-support/factories.js';
import type { PaymentStatusChanged } from './payment.service.js';

let server: TestServer;
const events: PaymentStatusChanged[] = [];
before(async () => {
  server = await startTestServer({ webDist: null });
  server.ctx.payments.events.on('paymentStatusChanged', (e) => events.push(e));
});
after(() => server.close());

interface PaymentAnswer {
  payment: { id: string; status: string; amountCents: number; reference: string };
  payUrl: string;
}

/** Path and query of an absolute URL (PUBLIC_URL in tests is not the test server's address). */
const local = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

const form = (client: TestClient, path: string, fields: Record<string, string> = {}) =>
  client.request('POST', path, {
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

async function setting() {
  const { region, municipality: flieden } = await createTestTenant(server.ctx.db);
  const kalbach = await createTestMunicipality(server.ctx.db, region);
  // A caseworker of Kalbach who stands in for Flieden.
  const caseworker = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });
  await grantTestRole(server.ctx.db, caseworker, 'caseworker', flieden);
  return { flieden, kalbach, staff: await loggedInClient(server.url, caseworker.email, TEST_PASSWORD) };
}

void test('a fee set later is paid through its link and the test provider: redirect, confirmation, return', async () => {
  const { flieden, staff } = await setting();
  const request = {
    municipalityId: flieden.id,
    source: { type: 'egov_case', id: 'case-4711' },
    reference: 'FL-2026-4711',
    purpose: 'Geburtsurkunde, 2 Ausfertigungen',
    amountCents: 1250,
    returnPath: '/buergerservice/vorgaenge/case-4711',
  };
  const created = await staff.post<PaymentAnswer>('/api/egov/payments', request);
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.payment.status, 'open');
  const again = await staff.post<PaymentAnswer>('/api/egov/payments', request);
  assert.equal(again.status, 200);
  assert.equal(again.body.payment.id, created.body.payment.id, 'the same reference is the same payment');
  const otherAmount = await staff.post('/api/egov/payments', { ...request, amountCents: 999 });
  assert.equal(otherAmount.status, 409);

  // The citizen opens the newest link; no account needed.
  const citizen = new TestClient(server.url);
  const linkPath = local(again.body.payUrl);
  assert.match(linkPath, /^\/bezahlen\/[A-Za-z0-9_-]+$/);
  assert.equal(
    (await citizen.get(local(created.body.payUrl))).status,
    404,
    'a renewed link replaces the old one',
  );
  const linkPage = await citizen.get(linkPath);
  assert.equal(linkPage.status, 200);
  assert.match(linkPage.text, /<html lang="de">/);
  assert.match(linkPage.text, /12,50\s€/);
  assert.match(linkPage.text, /Geburtsurkunde, 2 Ausfertigungen/);

  const started = await form(citizen, linkPath);
  assert.equal(started.status, 303);
  const providerPath = local(started.headers.get('location')!);
  assert.match(providerPath, /^\/bezahlen\/test-provider\/pay\?/);
  const providerPage = await citizen.get(providerPath);
  assert.equal(providerPage.status, 200);
  assert.match(providerPage.text, /Testzahlung bestätigen/);
  assert.match(providerPage.text, /Testzahlung abbrechen/);
  const pending = await staff.get<{ payments: { status: string }[] }>(
    `/api/municipalities/${flieden.id}/egov/payments?sourceType=egov_case&sourceId=case-4711`,
  );
  assert.equal(pending.body.payments[0]!.status, 'pending');

  const confirmed = await form(citizen, providerPath, { action: 'confirm' });
  assert.equal(confirmed.status, 303);
  const returnUrl = new URL(confirmed.headers.get('location')!);
  assert.equal(returnUrl.pathname, '/api/egov/payments/return/test');

  // A confirmation changed on the way (a smaller amount, same signature) is refused.
  const original = JSON.parse(Buffer.from(returnUrl.searchParams.get('c')!, 'base64url').toString()) as {
    amountCents: number;
  };
  const forged = new URL(returnUrl);
  forged.searchParams.set(
    'c',
    Buffer.from(JSON.stringify({ ...original, amountCents: 1 })).toString('base64url'),
  );
  const refused = await citizen.get(local(forged.href));
  assert.equal(refused.status, 400);
  assert.match(refused.text, /ungültig/);
  const unsigned = new URL(returnUrl);
  unsigned.searchParams.delete('s');
  assert.equal((await citizen.get(local(unsigned.href))).status, 400);
  assert.equal(events.filter((e) => e.reference === 'FL-2026-4711').length, 0);

  const returned = await citizen.get(local(returnUrl.href));
  assert.equal(returned.status, 303);
  assert.equal(returned.headers.get('location'), linkPath);
  const paidPage = await citizen.get(linkPath);
  assert.match(paidPage.text, /Bezahlt/);
  assert.match(paidPage.text, /href="\/buergerservice\/vorgaenge\/case-4711"/);
  assert.doesNotMatch(paidPage.text, /Jetzt .* bezahlen/);

  // The browser comes back twice (reload): nothing changes, the case hears it once.
  assert.equal((await citizen.get(local(returnUrl.href))).status, 303);
  const mine = events.filter((e) => e.reference === 'FL-2026-4711');
  assert.deepEqual(
    mine.map((e) => [e.status, e.sourceId]),
    [['paid', 'case-4711']],
  );
  const list = await staff.get<{ payments: { status: string; paidAt: string | null }[] }>(
    `/api/municipalities/${flieden.id}/egov/payments?sourceId=case-4711`,
  );
  assert.equal(list.body.payments[0]!.status, 'paid');
  assert.ok(list.body.payments[0]!.paidAt);
  assert.equal((await form(citizen, linkPath)).status, 409, 'a paid fee is not paid twice');
});

void test("the citizen's pages speak English when the browser asks for it or the visitor chooses it", async () => {
  const { flieden, staff } = await setting();
  const created = await staff.post<PaymentAnswer>('/api/egov/payments', {
    municipalityId: flieden.id,
    source: { type: 'egov_case', id: 'case-4712' },
    reference: 'FL-2026-4712',
    purpose: 'Zweitschrift',
    amountCents: 850,
  });
  assert.equal(created.status, 201, created.text);
  const citizen = new TestClient(server.url);
  const linkPath = local(created.body.payUrl);
  const asking = (language: string) => ({ headers: { 'accept-language': language } });

  const english = await citizen.request('GET', linkPath, asking('en-GB,en;q=0.9,de;q=0.5'));
  assert.match(english.text, /<html lang="en">/);
  assert.match(english.text, /Pay €8\.50 now/);
  assert.match(english.text, /href="\/bezahlen\/[\w-]+\?lang=de" hreflang="de" lang="de">Deutsch</);
  const german = await citizen.request('GET', linkPath, asking('de-DE,de;q=0.9,en;q=0.8'));
  assert.match(german.text, /<html lang="de">/);
  assert.match(german.text, /Jetzt 8,50\s€ bezahlen/);
  assert.match(
    (await citizen.get(linkPath)).text,
    /<html lang="de">/,
    'German when the browser says nothing',
  );
  // The page's language link (and the portal's button) wins over the browser.
  assert.match((await citizen.request('GET', `${linkPath}?lang=en`, asking('de'))).text, /<html lang="en">/);

  // Problems are told in the visitor's language, not in the service's English error message.
  const unknown = await citizen.request('GET', '/bezahlen/AAAAAAAAAAAAAAAAAAAAAAAA', asking('en'));
  assert.equal(unknown.status, 404);
  assert.match(unknown.text, /This payment link does not exist/);

  // The test provider's page keeps its signed order when the language is switched.
  const started = await form(citizen, linkPath);
  const providerPath = local(started.headers.get('location')!);
  const provider = await citizen.request('GET', providerPath, asking('en'));
  assert.match(provider.text, /Confirm test payment/);
  const switched = /href="([^"]+)" hreflang="de"/.exec(provider.text)![1]!.replaceAll('&#38;', '&');
  const providerInGerman = await citizen.get(switched);
  assert.equal(providerInGerman.status, 200);
  assert.match(providerInGerman.text, /Testzahlung bestätigen/);
  // Paid, then the link once more: the conflict is named in the visitor's language.
  const confirmed = await form(citizen, providerPath, { action: 'confirm' });
  assert.equal((await citizen.get(local(confirmed.headers.get('location')!))).status, 303);
  const again = await citizen.request('POST', `${linkPath}?lang=en`, {
    body: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(again.status, 409);
  assert.match(again.text, /This fee has been paid already/);
});

void test('a cancelled payment can be tried again; the provider is asked for a lost return', async () => {
  const { flieden, staff } = await setting();
  const created = await staff.post<PaymentAnswer>('/api/egov/payments', {
    municipalityId: flieden.id,
    source: { type: 'egov_case', id: 'case-9' },
    reference: 'FL-2026-0009',
    purpose: 'Sondernutzungserlaubnis',
    amountCents: 3000,
  });
  const citizen = new TestClient(server.url);
  const linkPath = local(created.body.payUrl);
  let providerPath = local((await form(citizen, linkPath)).headers.get('location')!);
  const cancelled = await form(citizen, providerPath, { action: 'cancel' });
  await citizen.get(local(cancelled.headers.get('location')!));
  assert.match((await citizen.get(linkPath)).text, /abgebrochen/);

  // Second try: confirmed at the provider, but the browser never comes back.
  providerPath = local((await form(citizen, linkPath)).headers.get('location')!);
  assert.equal((await form(citizen, providerPath, { action: 'confirm' })).status, 303);
  const refreshed = await staff.post<{ status: string }>(
    `/api/municipalities/${flieden.id}/egov/payments/${created.body.payment.id}/refresh`,
  );
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(refreshed.body.status, 'paid');
});

void test('only staff of the municipality request or see payments; unknown links are a plain 404 page', async () => {
  const { flieden } = await setting();
  const other = await createTestTenant(server.ctx.db);
  const foreignAdmin = await createTestUser(server.ctx.db, {
    home: other.municipality,
    roles: ['municipal_admin'],
  });
  const foreign = await loggedInClient(server.url, foreignAdmin.email, TEST_PASSWORD);
  const denied = await foreign.post('/api/egov/payments', {
    municipalityId: flieden.id,
    source: { type: 'egov_case', id: 'x' },
    reference: 'X-1',
    purpose: 'x',
    amountCents: 100,
  });
  assert.equal(denied.status, 403);
  assert.equal((await foreign.get(`/api/municipalities/${flieden.id}/egov/payments`)).status, 403);
  const anonymous = new TestClient(server.url);
  assert.equal((await anonymous.post('/api/egov/payments', {})).status, 400);
  const unknown = await anonymous.get('/bezahlen/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknown.status, 404);
  assert.match(unknown.text, /Zahlungslink/);
  const badProviderLink = await anonymous.get('/bezahlen/test-provider/pay?o=e30&s=nope');
  assert.equal(badProviderLink.status, 400);
});
