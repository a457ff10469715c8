// The SQL behind password reset and single sign-on, on both engines: single use under concurrency, expiry,
// and housekeeping.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { testDatabase } from '../../test-support/db.js';
import { createTestUser } from '../../test-support/factories.js';
import { AuthRepository } from './auth.repository.js';
import { sha256 } from './tokens.js';

const handle = await testDatabase();
after(() => handle.close());
const repo = new AuthRepository(handle.db);
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000);

test('a reset token is used once, even by concurrent confirmations, and expires', async () => {
  const user = await createTestUser(handle.db, { password: null });
  const token = sha256(randomUUID());
  await repo.createResetToken({ tokenHash: token, userId: user.id, expiresAt: inMinutes(60) });
  assert.equal(await repo.findUsableResetToken(token), user.id);

  const results = await Promise.all([1, 2, 3].map(() => repo.consumeResetToken(token)));
  assert.deepEqual(
    results.filter((r) => r !== undefined),
    [user.id],
    'exactly one use wins',
  );
  assert.equal(await repo.findUsableResetToken(token), undefined);

  const expired = sha256(randomUUID());
  await repo.createResetToken({ tokenHash: expired, userId: user.id, expiresAt: inMinutes(-1) });
  assert.equal(await repo.findUsableResetToken(expired), undefined);
  assert.equal(await repo.consumeResetToken(expired), undefined);
});

test("invalidating a person's reset tokens leaves other people's alone", async () => {
  const [a, b] = [await createTestUser(handle.db), await createTestUser(handle.db)];
  const tokens = [sha256(randomUUID()), sha256(randomUUID()), sha256(randomUUID())];
  await repo.createResetToken({ tokenHash: tokens[0]!, userId: a.id, expiresAt: inMinutes(60) });
  await repo.createResetToken({ tokenHash: tokens[1]!, userId: a.id, expiresAt: inMinutes(60) });
  await repo.createResetToken({ tokenHash: tokens[2]!, userId: b.id, expiresAt: inMinutes(60) });
  assert.equal(await repo.invalidateResetTokensOfUser(a.id), 2);
  assert.equal(await repo.findUsableResetToken(tokens[0]!), undefined);
  assert.equal(await repo.findUsableResetToken(tokens[1]!), undefined);
  assert.equal(await repo.findUsableResetToken(tokens[2]!), b.id);
});

test('a pending single sign-on is taken once; an expired one is not returned; housekeeping removes it', async () => {
  const state = sha256(randomUUID());
  await repo.createLoginState({
    stateHash: state,
    codeVerifier: 'verifier',
    nonce: 'nonce',
    nextPath: '/dienste',
    expiresAt: inMinutes(10),
  });
  const taken = await Promise.all([repo.takeLoginState(state), repo.takeLoginState(state)]);
  const winners = taken.filter((t) => t !== undefined);
  assert.equal(winners.length, 1);
  assert.deepEqual(
    { ...winners[0]!, expiresAt: undefined },
    { codeVerifier: 'verifier', nonce: 'nonce', nextPath: '/dienste', expiresAt: undefined },
  );

  const old = sha256(randomUUID());
  await repo.createLoginState({
    stateHash: old,
    codeVerifier: 'v',
    nonce: 'n',
    nextPath: '/',
    expiresAt: inMinutes(-1),
  });
  const stale = sha256(randomUUID());
  await repo.createLoginState({
    stateHash: stale,
    codeVerifier: 'v',
    nonce: 'n',
    nextPath: '/',
    expiresAt: inMinutes(-1),
  });
  assert.equal(await repo.takeLoginState(old), undefined, 'expired');
  assert.ok((await repo.deleteExpiredLoginStates()) >= 1);
  const left = await handle.db
    .selectFrom('oidc_login_states')
    .select('state_hash')
    .where('state_hash', 'in', [old, stale])
    .execute();
  assert.equal(left.length, 0);
});

test('an external identity belongs to one account; an account may hold identities of several issuers', async () => {
  const user = await createTestUser(handle.db);
  const subject = randomUUID();
  await repo.linkIdentity({ issuer: 'https://a.example', subject, userId: user.id });
  await repo.linkIdentity({ issuer: 'https://b.example', subject, userId: user.id });
  assert.equal(await repo.findIdentityUser('https://a.example', subject), user.id);
  assert.equal(await repo.findIdentityUser('https://a.example', randomUUID()), undefined);
  assert.deepEqual(await repo.identitySubjects(user.id, 'https://b.example'), [subject]);
  const other = await createTestUser(handle.db);
  await assert.rejects(repo.linkIdentity({ issuer: 'https://a.example', subject, userId: other.id }));
});
