import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { loggedInClient, TestClient } from '../../test-support/http.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  TEST_PASSWORD,
} from '../../test-support/factories.js';
import type { Municipality } from '../db/schema.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

const loggedIn = (email: string) => loggedInClient(server.url, email, TEST_PASSWORD);

/** Two municipalities of one region, each with its own admin and caseworker. */
async function twoMunicipalities() {
  const { region, municipality: a } = await createTestTenant(server.ctx.db);
  const b = await createTestMunicipality(server.ctx.db, region);
  const adminA = await createTestUser(server.ctx.db, { home: a, roles: ['municipal_admin'] });
  const adminB = await createTestUser(server.ctx.db, { home: b, roles: ['municipal_admin'] });
  const caseworkerB = await createTestUser(server.ctx.db, { home: b, roles: ['caseworker'] });
  return { region, a, b, adminA, adminB, caseworkerB };
}

describe('substitution across municipalities', () => {
  test("A's admin lets B's caseworker stand in for A: visible, audited, effective and revocable", async () => {
    const { a, adminA, caseworkerB } = await twoMunicipalities();
    const admin = await loggedIn(adminA.email);
    const caseworker = await loggedIn(caseworkerB.email);
    assert.equal(
      (await caseworker.get(`/api/municipalities/${a.id}/org-units`)).status,
      403,
      'no access before the grant',
    );

    const granted = await admin.post<{ id: string; substitution: boolean; user: { id: string } }>(
      `/api/municipalities/${a.id}/grants`,
      {
        email: caseworkerB.email,
        role: 'caseworker',
        reason: 'Urlaubsvertretung Bürgerbüro',
      },
    );
    assert.equal(granted.status, 201, granted.text);
    assert.equal(granted.body.substitution, true);

    const list = await admin.get<{
      grants: { id: string; substitution: boolean; user: { email: string }; reason: string | null }[];
    }>(`/api/municipalities/${a.id}/grants`);
    const row = list.body.grants.find((g) => g.id === granted.body.id);
    assert.ok(row, 'the substitution is listed among the grants of A');
    assert.equal(row.substitution, true);
    assert.equal(row.reason, 'Urlaubsvertretung Bürgerbüro');

    const audit = await admin.get<{
      entries: { action: string; details: Record<string, unknown>; actorUserId: string }[];
    }>(`/api/audit?municipalityId=${a.id}&action=grant.created`);
    const entry = audit.body.entries.find((e) => e.details.userId === caseworkerB.id);
    assert.ok(entry, 'the grant is in the audit log');
    assert.equal(entry.details.substitution, true);
    assert.equal(entry.actorUserId, adminA.id);

    // The caseworker's next request sees the new role.
    assert.equal((await caseworker.get(`/api/municipalities/${a.id}/org-units`)).status, 200);
    const session = await caseworker.get<{
      roles: { role: string; municipality: { id: string } | null; substitution: boolean }[];
    }>('/api/auth/session');
    assert.ok(session.body.roles.some((r) => r.municipality?.id === a.id && r.substitution));

    assert.equal((await admin.delete(`/api/municipalities/${a.id}/grants/${granted.body.id}`)).status, 204);
    assert.equal(
      (await caseworker.get(`/api/municipalities/${a.id}/org-units`)).status,
      403,
      'revoked at once',
    );
    const revokedAudit = await admin.get<{ entries: unknown[] }>(
      `/api/audit?municipalityId=${a.id}&action=grant.revoked`,
    );
    assert.equal(revokedAudit.body.entries.length, 1);
    const withRevoked = await admin.get<{ grants: { id: string; revokedAt: string | null }[] }>(
      `/api/municipalities/${a.id}/grants?includeRevoked=true`,
    );
    assert.ok(
      withRevoked.body.grants.find((g) => g.id === granted.body.id)?.revokedAt,
      'history stays visible',
    );
  });

  test('a municipal admin cannot hand out the platform admin role', async () => {
    const { a, adminA, caseworkerB } = await twoMunicipalities();
    const admin = await loggedIn(adminA.email);
    const res = await admin.post<{ error: { code: string } }>(`/api/municipalities/${a.id}/grants`, {
      email: caseworkerB.email,
      role: 'platform_admin',
    });
    assert.equal(res.status, 400);
  });
});

describe('cross-tenant isolation: a municipal admin of A gets 403/404 and no data for B, on every route', () => {
  let ctx: Awaited<ReturnType<typeof twoMunicipalities>>;
  let admin: TestClient;
  let grantInB: string;
  before(async () => {
    ctx = await twoMunicipalities();
    admin = await loggedIn(ctx.adminA.email);
    const b = await loggedIn(ctx.adminB.email);
    const granted = await b.post<{ id: string }>(`/api/municipalities/${ctx.b.id}/grants`, {
      email: ctx.caseworkerB.email,
      role: 'building_yard',
    });
    grantInB = granted.body.id;
  });

  const routes = (b: Municipality, grantId: string): [string, string, unknown?][] => [
    ['PATCH', `/api/municipalities/${b.id}`, { name: 'Übernommen' }],
    ['GET', `/api/municipalities/${b.id}/org-units`],
    ['POST', `/api/municipalities/${b.id}/org-units`, { kind: 'team', name: 'Fremdes Team' }],
    ['GET', `/api/municipalities/${b.id}/people`],
    ['POST', `/api/municipalities/${b.id}/people`, { email: 'x@test.example', displayName: 'X' }],
    ['GET', `/api/municipalities/${b.id}/grants`],
    ['POST', `/api/municipalities/${b.id}/grants`, { email: 'x@test.example', role: 'caseworker' }],
    ['DELETE', `/api/municipalities/${b.id}/grants/${grantId}`],
    ['GET', `/api/audit?municipalityId=${b.id}`],
    ['GET', `/api/audit/export?municipalityId=${b.id}`],
  ];

  test('every municipality route refuses', async () => {
    for (const [method, path, json] of routes(ctx.b, grantInB)) {
      const res = await admin.request<{ error?: { code: string } }>(
        method,
        path,
        json === undefined ? {} : { json },
      );
      assert.ok([403, 404].includes(res.status), `${method} ${path} answered ${res.status}`);
      assert.ok(res.body.error, `${method} ${path} answers with the error shape`);
      assert.ok(!res.text.includes(ctx.caseworkerB.email), `${method} ${path} leaks no data`);
    }
  });

  test("B's grant id cannot be revoked through A's path", async () => {
    const res = await admin.delete(`/api/municipalities/${ctx.a.id}/grants/${grantInB}`);
    assert.equal(res.status, 404);
  });

  test("A's lists and audit log contain nothing of B", async () => {
    const municipalities = await admin.get<{ municipalities: { id: string }[] }>('/api/municipalities');
    assert.deepEqual(
      municipalities.body.municipalities.map((m) => m.id),
      [ctx.a.id],
    );
    const audit = await admin.get<{ entries: { municipalityId: string | null }[] }>('/api/audit');
    assert.ok(audit.body.entries.length > 0);
    assert.ok(audit.body.entries.every((e) => e.municipalityId === ctx.a.id));
    const people = await admin.get<{ people: { email: string }[] }>(`/api/municipalities/${ctx.a.id}/people`);
    assert.ok(!people.body.people.some((p) => p.email === ctx.caseworkerB.email));
  });

  test('anonymous requests to staff routes get 401', async () => {
    const anonymous = new TestClient(server.url);
    for (const [method, path, json] of routes(ctx.b, grantInB)) {
      const res = await anonymous.request(method, path, json === undefined ? {} : { json });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
    assert.equal((await anonymous.get('/api/municipalities')).status, 401);
    assert.equal((await anonymous.get('/api/me/credentials')).status, 401);
  });

  test('a caseworker is not an admin in their own municipality', async () => {
    const caseworker = await loggedIn(ctx.caseworkerB.email);
    assert.equal((await caseworker.get(`/api/municipalities/${ctx.b.id}/grants`)).status, 403);
    assert.equal((await caseworker.patch(`/api/municipalities/${ctx.b.id}`, { name: 'Xanten' })).status, 403);
    assert.equal((await caseworker.get(`/api/municipalities/${ctx.b.id}/org-units`)).status, 200);
  });
});

describe('people and audit', () => {
  test('an admin creates a person with roles; personal data writes are audited and exportable', async () => {
    const { municipality } = await createTestTenant(server.ctx.db);
    const adminUser = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
    const admin = await loggedIn(adminUser.email);
    const email = `neu-${adminUser.id.slice(0, 8)}@test.example`;
    const created = await admin.post<{ id: string }>(`/api/municipalities/${municipality.id}/people`, {
      email,
      displayName: 'Neue Kollegin',
      password: 'Ein-gutes-langes-Passwort',
      roles: ['caseworker', 'building_yard'],
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(
      (await admin.post(`/api/municipalities/${municipality.id}/people`, { email, displayName: 'Doppelt' }))
        .status,
      409,
    );
    const colleague = await new TestClient(server.url).login(email, 'Ein-gutes-langes-Passwort');
    assert.equal(colleague.status, 200);

    const csv = await admin.get(`/api/audit/export?municipalityId=${municipality.id}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.match(lines[0]!, /^id,at,actor_user_id/);
    assert.ok(lines.some((l) => l.includes('"user.created"') && l.includes(email)));
    assert.equal(lines.filter((l) => l.includes('"grant.created"')).length, 2);

    const jsonl = await admin.get(`/api/audit/export?municipalityId=${municipality.id}&format=jsonl`);
    const entries = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    assert.ok(entries.some((e) => e.action === 'user.created'));
    const exported = await admin.get<{ entries: { action: string }[] }>(
      `/api/audit?municipalityId=${municipality.id}&action=audit.exported`,
    );
    assert.equal(exported.body.entries.length, 2, 'exports are audited too');
  });

  test('audit pagination walks every entry once', async () => {
    const { municipality } = await createTestTenant(server.ctx.db);
    const adminUser = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
    const admin = await loggedIn(adminUser.email);
    for (let i = 0; i < 5; i++)
      await admin.post(`/api/municipalities/${municipality.id}/org-units`, {
        kind: 'team',
        name: `Team ${i}`,
      });
    const seen: number[] = [];
    let before: number | null = null;
    do {
      const page: { body: { entries: { id: number }[]; nextBefore: number | null } } = await admin.get(
        `/api/audit?municipalityId=${municipality.id}&limit=2${before ? `&before=${before}` : ''}`,
      );
      seen.push(...page.body.entries.map((e) => e.id));
      before = page.body.nextBefore;
    } while (before);
    const all = await admin.get<{ entries: { id: number }[] }>(
      `/api/audit?municipalityId=${municipality.id}&limit=500`,
    );
    assert.ok(all.body.entries.length >= 6, 'five units and the login');
    assert.deepEqual(
      seen,
      all.body.entries.map((e) => e.id),
    );
  });
});
