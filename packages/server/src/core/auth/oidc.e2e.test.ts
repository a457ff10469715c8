// Single sign-on end to end against a real OpenID Connect provider started in this test: the whole browser
// flow (platform → provider → login → platform callback) with cookies kept per site.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { SessionInfo } from '@srp/contracts';
import { CookieBrowser } from '../../test-support/browser.js';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { TestClient } from '../../test-support/http.js';
import {
  freePort,
  startTestOidcProvider,
  TEST_CLIENT_ID,
  type TestAccountClaims,
  type TestOidcProvider,
} from '../../test-support/oidc-test-provider.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let op: TestOidcProvider;
let server: TestServer;

/** A platform on a port chosen up front, since the provider must know its redirect URI first. */
async function platformWith(provider: (redirectUri: string) => Promise<TestOidcProvider>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const oidcProvider = await provider(`${url}/api/auth/oidc/callback`);
  const platform = await startTestServer({
    webDist: null,
    env: {
      PORT: String(port),
      PUBLIC_URL: url,
      OIDC_ISSUER: oidcProvider.issuer,
      OIDC_CLIENT_ID: oidcProvider.clientId,
      OIDC_CLIENT_SECRET: oidcProvider.clientSecret,
      OIDC_LABEL: 'Landkreis-Konto',
    },
  });
  return { platform, oidcProvider };
}

before(async () => {
  ({ platform: server, oidcProvider: op } = await platformWith((redirectUri) =>
    startTestOidcProvider({ redirectUri }),
  ));
});
after(async () => {
  await server.close();
  await op.close();
});

function providerAccount(claims: TestAccountClaims): string {
  const id = `sub-${randomUUID()}`;
  op.accounts.set(id, claims);
  return id;
}

const isCallback = (url: URL) => url.origin === server.url && url.pathname === '/api/auth/oidc/callback';

/** Runs the flow up to the provider's redirect back to the platform, as the given provider account. */
async function untilCallback(browser: CookieBrowser, accountId: string | null, next?: string): Promise<URL> {
  op.nextLogin = accountId;
  const start = `${server.url}/api/auth/oidc/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`;
  return browser.followUntil(start, isCallback);
}

/** Visits the callback and returns where the platform sends the browser next. */
async function callback(browser: CookieBrowser, url: URL): Promise<string> {
  const res = await browser.get(url);
  assert.equal(res.status, 302, await res.text());
  return res.headers.get('location')!;
}

/** The platform session of this browser, through the platform's API client. */
async function sessionOf(browser: CookieBrowser): Promise<SessionInfo> {
  const client = new TestClient(server.url);
  const token = browser.cookies(server.url).get('srp_session');
  client.cookie = token ? `srp_session=${token}` : null;
  return (await client.get<SessionInfo>('/api/auth/session')).body;
}

async function signIn(accountId: string, next?: string) {
  const browser = new CookieBrowser();
  const location = await callback(browser, await untilCallback(browser, accountId, next));
  return { browser, location, session: await sessionOf(browser) };
}

async function auditFor(userId: string) {
  const entries = await server.ctx.audit.list({ municipalityIds: 'all', limit: 200 });
  return entries.filter((e) => e.target_id === userId);
}

describe('single sign-on with OpenID Connect', () => {
  test('the providers endpoint offers the configured provider', async () => {
    const res = await new TestClient(server.url).get<{ oidc: { label: string; startUrl: string } | null }>(
      '/api/auth/providers',
    );
    assert.deepEqual(res.body.oidc, { label: 'Landkreis-Konto', startUrl: '/api/auth/oidc/start' });
  });

  test('the start redirects to the provider with code flow, PKCE S256, state and nonce', async () => {
    const browser = new CookieBrowser();
    const res = await browser.get(`${server.url}/api/auth/oidc/start?next=/dienste`);
    assert.equal(res.status, 302);
    const target = new URL(res.headers.get('location')!);
    assert.equal(target.origin, op.issuer);
    assert.equal(target.searchParams.get('response_type'), 'code');
    assert.equal(target.searchParams.get('client_id'), op.clientId);
    assert.equal(target.searchParams.get('redirect_uri'), `${server.url}/api/auth/oidc/callback`);
    assert.equal(target.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(target.searchParams.get('code_challenge'));
    assert.ok(target.searchParams.get('nonce'));
    const state = target.searchParams.get('state')!;
    assert.ok(state.length >= 32);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('srp_oidc_state='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.match(cookie, /Path=\/api\/auth\/oidc\/callback/);
    const stored = await server.ctx.db.selectFrom('oidc_login_states').select('state_hash').execute();
    assert.ok(!stored.some((r) => r.state_hash === state), 'only the hash of the state is stored');
  });

  test('the first login creates a citizen account without password, the second reuses it', async () => {
    const email = `ana-${randomUUID().slice(0, 8)}@buerger.example`;
    const subject = providerAccount({ email, email_verified: true, name: 'Ana Beispiel', locale: 'en-GB' });

    const first = await signIn(subject, '/dienste/meldung?art=laterne');
    assert.equal(first.location, '/dienste/meldung?art=laterne');
    assert.equal(first.session.user?.email, email);
    assert.equal(first.session.user?.displayName, 'Ana Beispiel');
    assert.equal(first.session.user?.locale, 'en');
    assert.deepEqual(first.session.roles, [], 'no role grants');
    const userId = first.session.user.id;

    const user = await server.ctx.identity.findUserById(userId);
    assert.equal(user?.password_hash, null);
    assert.equal(user?.home_municipality_id, null);
    const identities = await server.ctx.db
      .selectFrom('user_identities')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    assert.deepEqual(
      identities.map((i) => [i.issuer, i.subject]),
      [[op.issuer, subject]],
    );
    const actions = (await auditFor(userId)).map((e) => e.action);
    assert.ok(actions.includes('user.created'));
    assert.ok(actions.includes('auth.identity_linked'));
    const login = (await auditFor(userId)).find((e) => e.action === 'auth.login');
    assert.equal(login?.details.method, 'oidc');

    const second = await signIn(subject);
    assert.equal(second.location, '/');
    assert.equal(second.session.user?.id, userId);
    const count = await server.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    assert.notEqual(
      second.browser.cookies(server.url).get('srp_session'),
      first.browser.cookies(server.url).get('srp_session'),
    );
  });

  test('a verified e-mail of an existing local account links to that account, roles and password stay', async () => {
    const { municipality } = await createTestTenant(server.ctx.db);
    const local = await createTestUser(server.ctx.db, { home: municipality, roles: ['caseworker'] });
    const subject = providerAccount({
      email: local.email.toUpperCase(),
      email_verified: true,
      name: 'Anders',
    });

    const { session } = await signIn(subject);
    assert.equal(session.user?.id, local.id);
    assert.deepEqual(
      session.roles.map((r) => r.role),
      ['caseworker'],
    );
    const linked = (await auditFor(local.id)).find((e) => e.action === 'auth.identity_linked');
    assert.equal(linked?.details.subject, subject);
    assert.equal(linked?.municipality_id, municipality.id);
    assert.equal((await new TestClient(server.url).login(local.email, TEST_PASSWORD)).status, 200);
  });

  test('an unverified e-mail of an existing account neither links nor creates anything', async () => {
    const local = await createTestUser(server.ctx.db);
    const subject = providerAccount({ email: local.email, email_verified: false, name: 'Mallory' });
    const { location, session } = await signIn(subject);
    assert.equal(location, '/anmelden?fehler=sso');
    assert.equal(session.user, null);
    const identities = await server.ctx.db
      .selectFrom('user_identities')
      .selectAll()
      .where('subject', '=', subject)
      .execute();
    assert.equal(identities.length, 0);
  });

  test('an administrator account is never taken over by a verified e-mail claim', async () => {
    const { municipality } = await createTestTenant(server.ctx.db);
    const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
    const subject = providerAccount({ email: admin.email, email_verified: true, name: 'Mallory' });
    const { location, session } = await signIn(subject);
    assert.equal(location, '/anmelden?fehler=sso');
    assert.equal(session.user, null);
    const identities = await server.ctx.db
      .selectFrom('user_identities')
      .selectAll()
      .where('user_id', '=', admin.id)
      .execute();
    assert.equal(identities.length, 0);
  });

  test('a tampered state, a state from another browser, a forged code and a replayed callback are refused', async () => {
    const subject = providerAccount({
      email: `tom-${randomUUID().slice(0, 8)}@buerger.example`,
      email_verified: true,
    });

    const tamperer = new CookieBrowser();
    const tampered = await untilCallback(tamperer, subject);
    tampered.searchParams.set('state', tampered.searchParams.get('state')!.slice(0, -2) + 'xy');
    assert.equal(await callback(tamperer, tampered), '/anmelden?fehler=sso');
    assert.equal((await sessionOf(tamperer)).user, null);

    // Someone else's callback URL (login CSRF): this browser never started that login.
    const victim = new CookieBrowser();
    const foreign = await untilCallback(new CookieBrowser(), subject);
    assert.equal(await callback(victim, foreign), '/anmelden?fehler=sso');
    assert.equal((await sessionOf(victim)).user, null);

    // The right browser and state, but a code the provider never issued: the exchange fails.
    const forger = new CookieBrowser();
    const forged = await untilCallback(forger, subject);
    forged.searchParams.set('code', 'erfundener-code');
    assert.equal(await callback(forger, forged), '/anmelden?fehler=sso');
    assert.equal((await sessionOf(forger)).user, null);

    const browser = new CookieBrowser();
    const url = await untilCallback(browser, subject);
    const stateCookie = browser.cookies(server.url).get('srp_oidc_state')!;
    assert.equal(await callback(browser, url), '/');
    assert.ok((await sessionOf(browser)).user);
    // The same callback again, even with the state cookie put back, finds no pending login.
    const replay = new CookieBrowser();
    replay.cookies(server.url).set('srp_oidc_state', stateCookie);
    assert.equal(await callback(replay, url), '/anmelden?fehler=sso');
    assert.equal((await sessionOf(replay)).user, null);
  });

  test('a cancelled login at the provider lands on the login page', async () => {
    const browser = new CookieBrowser();
    const url = await untilCallback(browser, null);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(await callback(browser, url), '/anmelden?fehler=sso');
    assert.equal((await sessionOf(browser)).user, null);
  });

  test('only same-site paths are accepted as the place to return to', async () => {
    const subject = providerAccount({
      email: `eva-${randomUUID().slice(0, 8)}@buerger.example`,
      email_verified: true,
    });
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'dienste']) {
      assert.equal((await signIn(subject, next)).location, '/', next);
    }
    assert.equal((await signIn(subject, '/konto#daten')).location, '/konto#daten');
  });
});

describe('single sign-on while the provider is down', () => {
  test('the platform starts, the start answers 503, and works once the provider is back', async () => {
    const [providerPort, platformPort] = [await freePort(), await freePort()];
    const platformUrl = `http://127.0.0.1:${platformPort}`;
    const clientSecret = randomBytes(24).toString('base64url');
    // Nothing listens at the issuer yet.
    const platform = await startTestServer({
      webDist: null,
      env: {
        PORT: String(platformPort),
        PUBLIC_URL: platformUrl,
        OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        OIDC_CLIENT_ID: TEST_CLIENT_ID,
        OIDC_CLIENT_SECRET: clientSecret,
      },
    });
    let provider: TestOidcProvider | undefined;
    try {
      const client = new TestClient(platform.url);
      assert.equal((await client.get('/healthz')).status, 200);
      const down = await client.get<{ error: { code: string } }>('/api/auth/oidc/start');
      assert.equal(down.status, 503);
      assert.equal(down.body.error.code, 'unavailable');

      provider = await startTestOidcProvider({
        redirectUri: `${platformUrl}/api/auth/oidc/callback`,
        port: providerPort,
        clientSecret,
      });
      const back = await client.get('/api/auth/oidc/start');
      assert.equal(back.status, 302, 'discovery is tried again after a failure');
      assert.ok(back.headers.get('location')!.startsWith(`${provider.issuer}/`));
    } finally {
      await platform.close();
      await provider?.close();
    }
  });
});
