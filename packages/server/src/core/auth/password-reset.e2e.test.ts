// Password reset end to end: a real SMTP server receives what the platform's job worker delivers, and the
// test follows the link in the mail like a person would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionInfo } from '@srp/contracts';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { loggedInClient, TestClient } from '../../test-support/http.js';
import { startMailbox, type Mailbox, type ReceivedMail } from '../../test-support/mailbox.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { sha256 } from './tokens.js';

let mailbox: Mailbox;
let server: TestServer;
const PUBLIC_URL = 'https://region.example';

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

const nextMailTo = (address: string) => mailbox.nextMailTo(address);

function tokenIn(mail: ReceivedMail): string {
  const match = /(https:\/\/region\.example\/passwort-zuruecksetzen\?token=)([A-Za-z0-9_-]+)/.exec(mail.text);
  assert.ok(match, `the mail contains the reset link:\n${mail.text}`);
  return decodeURIComponent(match[2]!);
}

async function requestReset(email: string) {
  return new TestClient(server.url).post<{ message: string }>('/api/auth/password-reset/request', { email });
}

const loggedIn = (email: string, password = TEST_PASSWORD) => loggedInClient(server.url, email, password);

const NEW_PASSWORD = 'Neues-Sicheres-Passwort-2026';

describe('password reset by e-mail', () => {
  test('the link in the mail sets a new password once and ends every session and every other link', async () => {
    const { municipality } = await createTestTenant(server.ctx.db);
    const user = await createTestUser(server.ctx.db, { home: municipality });
    const laptop = await loggedIn(user.email);
    const phone = await loggedIn(user.email);

    const first = await requestReset(user.email.toUpperCase());
    assert.equal(first.status, 202);
    const older = await nextMailTo(user.email);
    assert.equal((await requestReset(user.email)).status, 202);
    const mail = await nextMailTo(user.email);

    assert.equal(mail.subject, 'Passwort zurücksetzen für region.example');
    assert.match(mail.text, /^Guten Tag Test Person,/);
    assert.ok(mail.text.includes(`Ihr Konto ${user.email}`), 'says which account');
    assert.match(mail.text, /60 Minuten/);
    assert.match(mail.text, /ignorieren Sie diese E-Mail/);
    assert.match(mail.text, /Freundliche Grüße\r?\nSmart Region/);
    const token = tokenIn(mail);
    const olderToken = tokenIn(older);
    assert.notEqual(token, olderToken);

    const stored = await server.ctx.db
      .selectFrom('password_reset_tokens')
      .select('token_hash')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(stored.length, 2);
    assert.ok(
      stored.every((r) => r.token_hash !== token && r.token_hash !== olderToken),
      'only hashes are stored',
    );
    assert.ok(stored.some((r) => r.token_hash === sha256(token)));

    const anonymous = new TestClient(server.url);
    const weak = await anonymous.post<{ error: { code: string } }>('/api/auth/password-reset/confirm', {
      token,
      newPassword: 'kurz',
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'validation_failed');

    const confirmed = await anonymous.post('/api/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(confirmed.status, 204, confirmed.text);

    assert.equal((await laptop.get<SessionInfo>('/api/auth/session')).body.user, null, 'sessions end');
    assert.equal((await phone.get<SessionInfo>('/api/auth/session')).body.user, null);
    const old = await new TestClient(server.url).login(user.email, TEST_PASSWORD);
    assert.equal(old.status, 401, 'the old password no longer works');
    const fresh = await loggedIn(user.email, NEW_PASSWORD);
    assert.equal((await fresh.get<SessionInfo>('/api/auth/session')).body.user?.id, user.id);

    for (const used of [token, olderToken]) {
      const again = await anonymous.post<{ error: { code: string } }>('/api/auth/password-reset/confirm', {
        token: used,
        newPassword: 'Noch-ein-anderes-Passwort-9',
      });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, 'reset_token_invalid');
    }

    const audit = await server.ctx.audit.list({ municipalityIds: [municipality.id], limit: 50 });
    const actions = audit.filter((e) => e.target_id === user.id).map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'auth.password_reset_requested').length, 2);
    assert.equal(actions.filter((a) => a === 'auth.password_reset_completed').length, 1);
  });

  test('the mail is in English for English-speaking people, and also works for accounts without a password', async () => {
    const user = await createTestUser(server.ctx.db, { password: null });
    await server.ctx.db.updateTable('users').set({ locale: 'en' }).where('id', '=', user.id).execute();
    assert.equal((await requestReset(user.email)).status, 202);
    const mail = await nextMailTo(user.email);
    assert.equal(mail.subject, 'Reset your password for region.example');
    assert.match(mail.text, /valid for 60 minutes/);
    assert.match(mail.text, /has no password yet/);
    assert.match(mail.text, /simply ignore this e-mail/);
    const res = await new TestClient(server.url).post('/api/auth/password-reset/confirm', {
      token: tokenIn(mail),
      newPassword: NEW_PASSWORD,
    });
    assert.equal(res.status, 204);
    await loggedIn(user.email, NEW_PASSWORD);
  });

  test('an unknown address gets the same answer and no mail', async () => {
    const user = await createTestUser(server.ctx.db);
    const unknownAddress = `niemand-${user.id.slice(0, 8)}@test.example`;
    const unknown = await requestReset(unknownAddress);
    const known = await requestReset(user.email);
    assert.equal(unknown.status, 202);
    assert.equal(unknown.text, known.text);
    await nextMailTo(user.email);
    const jobs = await server.ctx.db.selectFrom('jobs').select('payload').execute();
    assert.ok(!JSON.stringify(jobs).includes(unknownAddress), 'no mail job for the unknown address');
    assert.ok(!mailbox.received.some((m) => m.to.includes(unknownAddress)), 'no mail arrived for it');
  });

  test('unknown, expired and malformed tokens are refused with a stable code', async () => {
    const user = await createTestUser(server.ctx.db);
    const expired = 'abgelaufen-' + user.id;
    await server.ctx.db
      .insertInto('password_reset_tokens')
      .values({ token_hash: sha256(expired), user_id: user.id, expires_at: new Date(Date.now() - 60_000) })
      .execute();
    for (const token of [expired, 'x'.repeat(43), 'nicht-da']) {
      const res = await new TestClient(server.url).post<{ error: { code: string } }>(
        '/api/auth/password-reset/confirm',
        { token, newPassword: NEW_PASSWORD },
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'reset_token_invalid');
    }
    const missing = await new TestClient(server.url).post<{ error: { code: string } }>(
      '/api/auth/password-reset/confirm',
      { newPassword: NEW_PASSWORD },
    );
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'validation_failed');
    assert.equal((await new TestClient(server.url).login(user.email, TEST_PASSWORD)).status, 200);
  });

  test('requests are throttled per address and e-mail, the same for known and unknown accounts', async () => {
    const user = await createTestUser(server.ctx.db);
    for (const email of [user.email, `gibt-es-nicht-${user.id.slice(0, 8)}@test.example`]) {
      for (let i = 0; i < 5; i++) assert.equal((await requestReset(email)).status, 202, `request ${i + 1}`);
      const blocked = await requestReset(email);
      assert.equal(blocked.status, 429);
      assert.equal((blocked.body as unknown as { error: { code: string } }).error.code, 'too_many_requests');
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    }
  });
});
