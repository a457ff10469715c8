import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionInfo } from '@srp/contracts';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { basic, TestClient } from '../../test-support/http.js';
import { createTestTenant, createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null, env: { LOGIN_MAX_FAILURES: '3' } });
});
after(() => server.close());

async function staff() {
  const tenant = await createTestTenant(server.ctx.db);
  const user = await createTestUser(server.ctx.db, { home: tenant.municipality, roles: ['municipal_admin'] });
  return { ...tenant, user };
}

describe('sessions', () => {
  test('login sets an http-only SameSite cookie and returns the roles and a CSRF token', async () => {
    const { user, municipality } = await staff();
    const client = new TestClient(server.url);
    const res = await client.post<SessionInfo>('/api/auth/login', {
      email: user.email.toUpperCase(),
      password: TEST_PASSWORD,
    });
    assert.equal(res.status, 200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('srp_session='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.equal(res.body.user?.email, user.email);
    assert.deepEqual(res.body.roles, [
      {
        role: 'municipal_admin',
        municipality: { id: municipality.id, slug: municipality.slug, name: municipality.name },
        substitution: false,
      },
    ]);
    assert.ok(res.body.csrfToken && res.body.csrfToken.length >= 32);
    client.csrfToken = res.body.csrfToken;
    const session = await client.get<SessionInfo>('/api/auth/session');
    assert.equal(session.body.user?.id, user.id);
  });

  test('the cookie is Secure when the public URL is https', async () => {
    const secure = await startTestServer({ webDist: null, env: { PUBLIC_URL: 'https://region.example' } });
    try {
      const user = await createTestUser(secure.ctx.db);
      const res = await new TestClient(secure.url).post('/api/auth/login', {
        email: user.email,
        password: TEST_PASSWORD,
      });
      assert.match(res.headers.getSetCookie().join(';'), /Secure/);
    } finally {
      await secure.close();
    }
  });

  test('a wrong password and an unknown e-mail look the same', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    const wrong = await client.post<{ error: { code: string; message: string } }>('/api/auth/login', {
      email: user.email,
      password: 'wrong-password',
    });
    const unknown = await client.post<{ error: { code: string; message: string } }>('/api/auth/login', {
      email: 'nobody@test.example',
      password: 'x',
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body.error.message, unknown.body.error.message);
    assert.equal(wrong.body.error.code, 'invalid_credentials');
  });

  test('logins are throttled per account after repeated failures, even with the right password', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await client.post('/api/auth/login', { email: user.email, password: 'wrong' })).status,
        401,
      );
    const blocked = await client.post<{ error: { code: string } }>('/api/auth/login', {
      email: user.email,
      password: TEST_PASSWORD,
    });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error.code, 'too_many_requests');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const audit = await server.ctx.audit.list({
      municipalityIds: 'all',
      action: 'auth.login_failed',
      limit: 50,
    });
    assert.ok(audit.filter((e) => e.actor_label === user.email).length >= 3, 'failures are audited');
  });

  test('writes with the session cookie need the CSRF token', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const token = client.csrfToken;
    client.csrfToken = null;
    const refused = await client.patch<{ error: { code: string } }>('/api/me', { displayName: 'Neu' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'csrf_failed');
    client.csrfToken = 'x'.repeat(43);
    assert.equal((await client.patch('/api/me', { displayName: 'Neu' })).status, 403);
    client.csrfToken = token;
    const ok = await client.patch<SessionInfo>('/api/me', { displayName: 'Neu' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user?.displayName, 'Neu');
  });

  test('logout ends the session on the server', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const stolenCookie = client.cookie;
    assert.equal((await client.post('/api/auth/logout')).status, 204);
    const replay = new TestClient(server.url);
    replay.cookie = stolenCookie;
    assert.equal((await replay.get<SessionInfo>('/api/auth/session')).body.user, null);
  });

  test('a new login replaces the old session (no session fixation)', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const first = client.cookie;
    await client.login(user.email, TEST_PASSWORD);
    assert.notEqual(client.cookie, first);
    const old = new TestClient(server.url);
    old.cookie = first;
    assert.equal((await old.get<SessionInfo>('/api/auth/session')).body.user, null);
  });

  test('changing the password needs the current one and ends other sessions', async () => {
    const { user } = await staff();
    const laptop = new TestClient(server.url);
    const phone = new TestClient(server.url);
    await laptop.login(user.email, TEST_PASSWORD);
    await phone.login(user.email, TEST_PASSWORD);
    assert.equal(
      (
        await laptop.post('/api/me/password', {
          currentPassword: 'wrong',
          newPassword: 'Ein-neues-langes-Passwort',
        })
      ).status,
      401,
    );
    const weak = await laptop.post<{ error: { code: string } }>('/api/me/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'short',
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'validation_failed');
    assert.equal(
      (
        await laptop.post('/api/me/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: 'Ein-neues-langes-Passwort',
        })
      ).status,
      204,
    );
    assert.equal((await phone.get<SessionInfo>('/api/auth/session')).body.user, null);
    assert.equal((await laptop.get<SessionInfo>('/api/auth/session')).body.user?.id, user.id);
    assert.equal(
      (await new TestClient(server.url).login(user.email, 'Ein-neues-langes-Passwort')).status,
      200,
    );
  });
});

describe('API keys, app passwords and HTTP Basic', () => {
  test('an API key authenticates with Bearer, shows its secret once and can be revoked', async () => {
    const { user, municipality } = await staff();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const created = await client.post<{ credential: { id: string; scopes: string[] }; secret: string }>(
      '/api/me/credentials',
      {
        kind: 'api_key',
        label: 'Pegel-Import',
        scopes: ['api', 'sensors:write'],
        municipalityId: municipality.id,
      },
    );
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^srpk_/);
    const listed = await client.get<{ credentials: Record<string, unknown>[] }>('/api/me/credentials');
    assert.equal(listed.body.credentials.length, 1);
    assert.ok(!JSON.stringify(listed.body).includes(created.body.secret), 'the secret is never listed');
    const stored = await server.ctx.db
      .selectFrom('api_credentials')
      .select('secret_hash')
      .where('id', '=', created.body.credential.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.secret_hash, created.body.secret, 'only a hash is stored');

    const machine = new TestClient(server.url);
    machine.authorization = `Bearer ${created.body.secret}`;
    const session = await machine.get<SessionInfo>('/api/auth/session');
    assert.equal(session.body.user?.id, user.id);
    assert.equal(session.body.csrfToken, null);
    // A machine writes without CSRF token (no cookie involved) …
    assert.equal((await machine.patch('/api/me', { locale: 'en' })).status, 200);
    // … but may not mint further credentials.
    assert.equal(
      (await machine.post('/api/me/credentials', { kind: 'api_key', label: 'x', scopes: ['api'] })).status,
      403,
    );

    assert.equal((await client.delete(`/api/me/credentials/${created.body.credential.id}`)).status, 204);
    const revoked = await machine.get<{ error: { code: string } }>('/api/auth/session');
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.code, 'unauthenticated');
  });

  test('a key limited to one municipality cannot act in another', async () => {
    const { user, municipality, region } = await staff();
    const other = await server.ctx.db
      .insertInto('municipalities')
      .values({ region_id: region.id, slug: `other-${user.id.slice(0, 8)}`, name: 'Andere' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await server.ctx.db
      .insertInto('role_grants')
      .values({ user_id: user.id, role: 'municipal_admin', municipality_id: other.id })
      .execute();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const created = await client.post<{ secret: string }>('/api/me/credentials', {
      kind: 'api_key',
      label: 'nur hier',
      scopes: ['api'],
      municipalityId: municipality.id,
    });
    const machine = new TestClient(server.url);
    machine.authorization = `Bearer ${created.body.secret}`;
    assert.equal((await machine.get(`/api/municipalities/${municipality.id}/org-units`)).status, 200);
    assert.equal((await machine.get(`/api/municipalities/${other.id}/org-units`)).status, 403);
    assert.equal(
      (await client.get(`/api/municipalities/${other.id}/org-units`)).status,
      200,
      'the person itself may',
    );
  });

  test('HTTP Basic takes the account password or an app password; app-passwords-only refuses the password', async () => {
    const { user } = await staff();
    const client = new TestClient(server.url);
    await client.login(user.email, TEST_PASSWORD);
    const app = await client.post<{ secret: string }>('/api/me/credentials', {
      kind: 'app_password',
      label: 'Thunderbird',
      scopes: ['calendars', 'files'],
    });
    assert.match(app.body.secret, /^srpa_/);

    const dav = new TestClient(server.url);
    dav.authorization = basic(user.email, TEST_PASSWORD);
    assert.equal((await dav.get<SessionInfo>('/api/auth/session')).body.user?.id, user.id);
    dav.authorization = basic(user.email, app.body.secret);
    assert.equal((await dav.get<SessionInfo>('/api/auth/session')).body.user?.id, user.id);
    dav.authorization = basic('someone-else@test.example', app.body.secret);
    const mismatch = await dav.get('/api/auth/session');
    assert.equal(mismatch.status, 401);
    assert.match(mismatch.headers.get('www-authenticate') ?? '', /^Basic realm=/);

    assert.equal((await client.patch('/api/me', { appPasswordsOnly: true })).status, 200);
    dav.authorization = basic(user.email, TEST_PASSWORD);
    assert.equal((await dav.get('/api/auth/session')).status, 401);
    dav.authorization = basic(user.email, app.body.secret);
    assert.equal((await dav.get('/api/auth/session')).status, 200);
  });

  test('garbage in the Authorization header is a clean 401', async () => {
    for (const header of [
      'Bearer',
      'Bearer nonsense',
      'Basic !!!',
      'Basic ' + Buffer.from('nocolon').toString('base64'),
      'Negotiate abc',
      'Bearer srpk_' + 'a'.repeat(5000),
    ]) {
      const res = await new TestClient(server.url).request<{ error: { code: string } }>(
        'GET',
        '/api/auth/session',
        { headers: { authorization: header } },
      );
      assert.equal(res.status, 401, header.slice(0, 30));
      assert.equal(res.body.error.code, 'unauthenticated');
    }
  });
});

describe('single sign-on when not configured', () => {
  test('the providers list only the local login and the SSO endpoints answer not found', async () => {
    const client = new TestClient(server.url);
    const providers = await client.get<{ local: boolean; oidc: unknown }>('/api/auth/providers');
    assert.deepEqual(providers.body, { local: true, oidc: null, saml: null });
    const start = await client.get<{ error: { code: string } }>('/api/auth/oidc/start');
    assert.equal(start.status, 404);
    assert.equal(start.body.error.code, 'not_found');
    const back = await client.get('/api/auth/oidc/callback?code=x&state=y');
    assert.equal(back.status, 302);
    assert.equal(back.headers.get('location'), '/anmelden?fehler=sso');
    assert.equal((await client.get('/api/auth/saml/login')).status, 404);
    assert.equal((await client.get('/api/auth/saml/metadata')).status, 404);
  });
});
