// Citizen self-registration against the database: double opt-in, single-use and expiring links, the same
// outcome for known addresses, the citizen role only, e-mail change and deletion.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { sha256 } from './tokens.js';

const handle = await testDatabase();
after(() => handle.close());
const config = parseConfig({
  NODE_ENV: 'test',
  DATA_DIR: `/tmp/srp-account-db-${process.pid}`,
  PUBLIC_URL: 'https://region.example',
});
const ctx = createContext(config, handle);
const request = { ip: '192.0.2.7', requestId: 'test' };
const PASSWORD = 'Mein-Buergerkonto-2026!';

let counter = 0;
const address = () => `neu-${process.pid}-${++counter}-${Date.now()}@test.example`;

/**
 * Mails queued for an address (the db tests run no worker), oldest first. Only e-mail jobs: other tests
 * sharing the database queue jobs whose payload has a `message` of another kind (egov's continue jobs).
 */
async function mailsTo(email: string) {
  const jobs = await handle.db
    .selectFrom('jobs')
    .select(['payload', 'id'])
    .where('name', '=', 'notification.email')
    .orderBy('id')
    .execute();
  return jobs
    .map((j) => (j.payload as { message?: { to: string[]; subject: string; text: string } }).message)
    .filter((m) => m !== undefined && Array.isArray(m.to) && m.to.includes(email))
    .map((m) => m!);
}

function linkToken(text: string, path: string): string {
  const match = new RegExp(`https://region\\.example${path}\\?token=([A-Za-z0-9_%-]+)`).exec(text);
  assert.ok(match, `the mail contains the link:\n${text}`);
  return decodeURIComponent(match[1]!);
}

test('registration: the account exists only after the link, which works once; citizen role only', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const email = address();
  await ctx.accounts.register(
    { email, displayName: 'Erika Muster', password: PASSWORD, municipalityId: municipality.id, locale: 'de' },
    request,
  );
  assert.equal(await ctx.identity.findUserByEmail(email), undefined, 'no account before confirmation');
  await assert.rejects(ctx.auth.login(email, PASSWORD, { ...request, userAgent: null }), {
    code: 'invalid_credentials',
  });
  const [mail] = await mailsTo(email);
  assert.ok(mail);
  assert.match(mail.subject, /bestätigen/);
  assert.match(mail.text, /24 Stunden/);
  const token = linkToken(mail.text, '/konto-bestaetigen');
  const stored = await handle.db
    .selectFrom('account_registrations')
    .selectAll()
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  assert.equal(stored.token_hash, sha256(token), 'only the hash of the token is stored');
  assert.notEqual(stored.password_hash, PASSWORD);

  const verified = await ctx.accounts.verify(token, request);
  assert.equal(verified.email, email);
  await assert.rejects(ctx.accounts.verify(token, request), { code: 'verification_token_invalid' });

  const user = await ctx.identity.findUserByEmail(email);
  assert.ok(user);
  assert.equal(user.home_municipality_id, municipality.id);
  const grants = await ctx.identity.activeGrantsOf(user.id);
  assert.deepEqual(
    grants.map((g) => [g.role, g.municipalityId]),
    [['citizen', municipality.id]],
  );
  const session = await ctx.auth.login(email, PASSWORD, { ...request, userAgent: null });
  assert.equal(session.principal.userId, user.id);
});

test('registration links expire; a resend replaces the link; unknown tokens are refused', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const email = address();
  await ctx.accounts.register(
    { email, displayName: 'Max', password: PASSWORD, municipalityId: municipality.id, locale: 'en' },
    request,
  );
  const first = linkToken((await mailsTo(email))[0]!.text, '/konto-bestaetigen');
  await ctx.accounts.resendVerification(email.toUpperCase(), request);
  const mails = await mailsTo(email);
  assert.equal(mails.length, 2);
  assert.match(mails[1]!.subject, /confirm your e-mail address/, 'in the language of the registration');
  const second = linkToken(mails[1]!.text, '/konto-bestaetigen');
  await assert.rejects(ctx.accounts.verify(first, request), { code: 'verification_token_invalid' });

  await handle.db
    .updateTable('account_registrations')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('token_hash', '=', sha256(second))
    .execute();
  await assert.rejects(ctx.accounts.verify(second, request), { code: 'verification_token_invalid' });
  await assert.rejects(ctx.accounts.verify('nicht-da', request), { code: 'verification_token_invalid' });
  assert.equal(await ctx.identity.findUserByEmail(email), undefined);

  // A resend after expiry gives a working link again.
  await ctx.accounts.resendVerification(email, request);
  const third = linkToken((await mailsTo(email))[2]!.text, '/konto-bestaetigen');
  await ctx.accounts.verify(third, request);
  assert.ok(await ctx.identity.findUserByEmail(email));
});

test('no enumeration: a known address gets a hint mail instead of a second account', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const existing = await createTestUser(handle.db, { home: municipality });
  await ctx.accounts.register(
    {
      email: existing.email.toUpperCase(),
      displayName: 'Someone Else',
      password: PASSWORD,
      municipalityId: municipality.id,
      locale: 'de',
    },
    request,
  );
  const [hint] = await mailsTo(existing.email);
  assert.ok(hint, 'the owner is told');
  assert.match(hint.text, /gibt es schon ein Konto/);
  assert.doesNotMatch(hint.text, /konto-bestaetigen/, 'without a link that could create anything');
  const registrations = await handle.db
    .selectFrom('account_registrations')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', existing.email.toLowerCase()))
    .execute();
  assert.equal(registrations.length, 0);
  // The old password still works and the new one does not.
  await assert.rejects(ctx.auth.login(existing.email, PASSWORD, { ...request, userAgent: null }));
  await ctx.auth.login(existing.email, TEST_PASSWORD, { ...request, userAgent: null });

  // Resending for an address without a pending registration is silent.
  await ctx.accounts.resendVerification(existing.email, request);
  assert.equal((await mailsTo(existing.email)).length, 1);
});

test('weak passwords and unknown municipalities are refused before anything is stored', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const email = address();
  await assert.rejects(
    ctx.accounts.register(
      { email, displayName: 'Kurz', password: 'kurz', municipalityId: municipality.id, locale: 'de' },
      request,
    ),
    { code: 'validation_failed' },
  );
  await assert.rejects(
    ctx.accounts.register(
      { email, displayName: 'X', password: PASSWORD, municipalityId: crypto.randomUUID(), locale: 'de' },
      request,
    ),
    { code: 'validation_failed' },
  );
  assert.equal((await mailsTo(email)).length, 0);
});

test('registrations are throttled per address the same for known and unknown e-mails', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const known = await createTestUser(handle.db, { home: municipality });
  for (const email of [known.email, address()]) {
    const ip = `198.51.100.${++counter % 250}`;
    for (let i = 0; i < 5; i++) {
      await ctx.accounts.register(
        { email, displayName: 'X', password: PASSWORD, municipalityId: municipality.id, locale: 'de' },
        { ip, requestId: 'test' },
      );
    }
    await assert.rejects(
      ctx.accounts.register(
        { email, displayName: 'X', password: PASSWORD, municipalityId: municipality.id, locale: 'de' },
        { ip, requestId: 'test' },
      ),
      { code: 'too_many_requests' },
    );
  }
});

test('e-mail change needs the password and the new address; deletion removes the person, not the cases', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const user = await createTestUser(handle.db, { home: municipality, roles: ['citizen'] });
  const newEmail = address();
  await assert.rejects(
    ctx.accounts.requestEmailChange(user.id, { currentPassword: 'falsch', newEmail }, request),
    { code: 'invalid_credentials' },
  );
  await ctx.accounts.requestEmailChange(user.id, { currentPassword: TEST_PASSWORD, newEmail }, request);
  assert.equal((await ctx.identity.findUserById(user.id))?.email, user.email, 'unchanged until confirmed');
  const notice = (await mailsTo(user.email)).at(-1)!;
  assert.ok(notice.text.includes(newEmail), 'the old address is told');
  const token = linkToken((await mailsTo(newEmail))[0]!.text, '/konto/email-bestaetigen');
  await ctx.accounts.confirmEmailChange(token, request);
  await assert.rejects(ctx.accounts.confirmEmailChange(token, request), {
    code: 'verification_token_invalid',
  });
  assert.equal((await ctx.identity.findUserById(user.id))?.email, newEmail);

  const staff = await createTestUser(handle.db, { home: municipality, roles: ['caseworker'] });
  await assert.rejects(ctx.accounts.deleteAccount(staff.id, TEST_PASSWORD, request), { code: 'forbidden' });
  await assert.rejects(ctx.accounts.deleteAccount(user.id, 'falsch', request), {
    code: 'invalid_credentials',
  });
  let unlinked = false;
  await ctx.accounts.deleteAccount(user.id, TEST_PASSWORD, request, async () => {
    unlinked = true;
  });
  assert.ok(unlinked, 'other domains unlink in the same transaction');
  const gone = await ctx.identity.findUserById(user.id);
  assert.ok(gone);
  assert.equal(gone.status, 'disabled');
  assert.equal(gone.password_hash, null);
  assert.doesNotMatch(`${gone.email} ${gone.display_name}`, new RegExp(newEmail.split('@')[0]!));
  assert.deepEqual(await ctx.identity.activeGrantsOf(user.id), []);
  await assert.rejects(ctx.auth.login(newEmail, TEST_PASSWORD, { ...request, userAgent: null }));
  // The address is free again for a new registration.
  assert.equal(await ctx.identity.findUserByEmail(newEmail), undefined);
});
