// Citizen accounts over HTTP with a real SMTP server: register, follow the link in the mail, sign in,
// apply, change the address, delete the account (the case stays, unlinked).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SessionInfo } from '@srp/contracts';
import { systemActor } from '../audit/audit.service.js';
import { createTestTenant, createTestUser } from '../../test-support/factories.js';
import { loggedInClient, TestClient } from '../../test-support/http.js';
import { startMailbox, type Mailbox, type ReceivedMail } from '../../test-support/mailbox.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let mailbox: Mailbox;
let server: TestServer;
const PUBLIC_URL = 'https://region.example';
const PASSWORD = 'Buergerkonto-Passwort-2026';

before(async () => {
  mailbox = await startMailbox();
  server = await startTestServer({
    webDist: null,
    env: { SMTP_URL: mailbox.url, PUBLIC_URL, COOKIE_SECURE: 'false' },
  });
});
after(async () => {
  await server.close();
  await mailbox.close();
});

function tokenIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https://region\\.example${path}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
  assert.ok(match, `the mail contains the link:\n${mail.text}`);
  return decodeURIComponent(match[1]!);
}

const anonymous = () => new TestClient(server.url);

test('register, confirm by mail, sign in, apply, see it in "Meine Anträge", change address, delete', async () => {
  const { region, municipality } = await createTestTenant(server.ctx.db);
  await server.ctx.egov.catalogue.ensureShippedServices(region.id, systemActor('test'));
  const email = `erika-${municipality.id.slice(0, 8)}@test.example`;

  const registered = await anonymous().post<{ message: string }>('/api/auth/register', {
    email,
    displayName: 'Erika Mustermann',
    password: PASSWORD,
    municipalityId: municipality.id,
  });
  assert.equal(registered.status, 202, registered.text);
  assert.equal((await anonymous().login(email, PASSWORD)).status, 401, 'no account before confirmation');

  const mail = await mailbox.nextMailTo(email);
  assert.match(mail.subject, /Bitte bestätigen Sie Ihre E-Mail-Adresse für region\.example/);
  assert.match(mail.text, /^Guten Tag Erika Mustermann,/);
  const token = tokenIn(mail, '/konto-bestaetigen');
  const verified = await anonymous().post<{ email: string }>('/api/auth/register/verify', { token });
  assert.equal(verified.status, 200, verified.text);
  assert.equal(verified.body.email, email);
  const again = await anonymous().post<{ error: { code: string } }>('/api/auth/register/verify', { token });
  assert.equal(again.status, 400);
  assert.equal(again.body.error.code, 'verification_token_invalid');

  const citizen = await loggedInClient(server.url, email, PASSWORD);
  const session = await citizen.get<SessionInfo>('/api/auth/session');
  assert.equal(session.body.user?.email, email);
  assert.deepEqual(
    session.body.roles.map((r) => r.role),
    ['citizen'],
  );

  const services = (
    await citizen.get<{ services: { serviceId: string; slug: string }[] }>(
      `/api/public/egov/municipalities/${municipality.id}/services`,
    )
  ).body.services;
  const dog = services.find((s) => s.slug === 'hundesteuer')!;
  const created = await citizen.post<{ case: { id: string } }>(
    `/api/egov/municipalities/${municipality.id}/cases`,
    { serviceId: dog.serviceId },
  );
  assert.equal(created.status, 201, created.text);
  const mine = await citizen.get<{ cases: { id: string }[] }>('/api/egov/my/cases');
  assert.deepEqual(
    mine.body.cases.map((c) => c.id),
    [created.body.case.id],
  );

  // A new address counts once the new mailbox confirms it.
  const newEmail = `erika-neu-${municipality.id.slice(0, 8)}@test.example`;
  const change = await citizen.post('/api/me/email', { currentPassword: PASSWORD, newEmail });
  assert.equal(change.status, 202, change.text);
  const notice = await mailbox.nextMailTo(email);
  assert.ok(notice.text.includes(newEmail));
  const confirm = await mailbox.nextMailTo(newEmail);
  const confirmed = await anonymous().post('/api/auth/email-change/confirm', {
    token: tokenIn(confirm, '/konto/email-bestaetigen'),
  });
  assert.equal(confirmed.status, 204, confirmed.text);
  assert.equal((await citizen.get<SessionInfo>('/api/auth/session')).body.user?.email, newEmail);

  const refused = await citizen.request('DELETE', '/api/me', {
    json: { currentPassword: 'falsch-falsch-falsch', confirm: true },
  });
  assert.equal(refused.status, 401);
  const deleted = await citizen.request('DELETE', '/api/me', {
    json: { currentPassword: PASSWORD, confirm: true },
  });
  assert.equal(deleted.status, 204, deleted.text);
  assert.equal((await citizen.get<SessionInfo>('/api/auth/session')).body.user, null, 'signed out');
  assert.equal((await anonymous().login(newEmail, PASSWORD)).status, 401);
  const kept = await server.ctx.egov.cases.get(created.body.case.id);
  assert.equal(kept.citizen_user_id, null, 'the case stays, no longer linked to the person');
});

test('the same answer for a known address; the owner gets a hint instead', async () => {
  const { municipality } = await createTestTenant(server.ctx.db);
  const owner = await createTestUser(server.ctx.db, { home: municipality });
  const unknown = `niemand-${municipality.id.slice(0, 8)}@test.example`;
  const body = (email: string) => ({
    email,
    displayName: 'Mallory',
    password: PASSWORD,
    municipalityId: municipality.id,
  });
  const known = await anonymous().post('/api/auth/register', body(owner.email));
  const fresh = await anonymous().post('/api/auth/register', body(unknown));
  assert.equal(known.status, 202);
  assert.equal(known.text, fresh.text);
  const hint = await mailbox.nextMailTo(owner.email);
  assert.match(hint.subject, /Ihr Konto bei region\.example/);
  assert.doesNotMatch(hint.text, /token=/);
  await mailbox.nextMailTo(unknown);

  const weak = await anonymous().post<{ error: { code: string; details: { problems: string[] } } }>(
    '/api/auth/register',
    { ...body(`schwach-${municipality.id.slice(0, 8)}@test.example`), password: 'kurz' },
  );
  assert.equal(weak.status, 400);
  assert.ok(weak.body.error.details.problems.includes('too_short'));
  const resend = await anonymous().post('/api/auth/register/resend', { email: owner.email });
  assert.equal(resend.status, 202);
});
