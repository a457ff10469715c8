// Public links end to end: a read link with password and expiry opened without login, a file drop that
// only accepts uploads, the admin's list of active links, revocation, and the audit entries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestClub } from '../../test-support/cloud.js';
import { TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let server: TestServer;
let client: TestClient;
let clubId: string;
let folderId: string;
let fileId: string;
before(async () => {
  server = await startTestServer({ webDist: null });
  const { admin, club, appPassword } = await createTestClub(server.ctx, { quotaBytes: 100_000 });
  clubId = club.id;
  const dav = (method: string, path: string, body?: string) =>
    fetch(`${server.url}/dav/files/${club.slug}${path}`, {
      method,
      headers: { authorization: basic(admin.email, appPassword), 'content-type': 'text/plain' },
      body: body ?? null,
    });
  assert.equal((await dav('MKCOL', '/Fotos')).status, 201);
  assert.equal((await dav('PUT', '/Fotos/sommerfest.txt', 'Sommerfest 2026')).status, 201);
  assert.equal((await dav('MKCOL', '/Einsendungen')).status, 201);
  client = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  const found = await client.get<{ items: { id: string; name: string }[] }>(
    `/api/clubs/${clubId}/files/search?q=o`,
  );
  folderId = found.body.items.find((n) => n.name === 'Fotos')!.id;
  fileId = found.body.items.find((n) => n.name === 'sommerfest.txt')!.id;
});
after(() => server.close());

const anonymous = () => new TestClient(server.url);

test('a read link with a password opens without login; wrong passwords and other folders are refused', async () => {
  const created = await client.post<{ id: string; token: string; url: string }>(
    `/api/clubs/${clubId}/links`,
    {
      nodeId: folderId,
      password: 'Geheimnis-1',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
  );
  assert.equal(created.status, 201, created.text);
  assert.match(created.body.url, /\/vereinscloud\/link\//);
  const token = created.body.token;
  const visitor = anonymous();
  assert.equal((await visitor.get(`/api/public/links/${token}`)).status, 401);
  assert.equal((await visitor.post(`/api/public/links/${token}/unlock`, { password: 'falsch' })).status, 401);
  const unlocked = await visitor.post<{ grant: string }>(`/api/public/links/${token}/unlock`, {
    password: 'Geheimnis-1',
  });
  assert.equal(unlocked.status, 200, unlocked.text);
  const grant = encodeURIComponent(unlocked.body.grant);
  const listing = await visitor.get<{ items: { name: string }[] }>(
    `/api/public/links/${token}?grant=${grant}`,
  );
  assert.deepEqual(
    listing.body.items.map((n) => n.name),
    ['sommerfest.txt'],
  );
  const file = await visitor.get(`/api/public/links/${token}/content?fileId=${fileId}&grant=${grant}`);
  assert.equal(file.status, 200);
  assert.equal(file.text, 'Sommerfest 2026');
  const outside = (
    await client.get<{ items: { id: string; name: string }[] }>(`/api/clubs/${clubId}/files/search?q=Einsend`)
  ).body.items[0]!.id;
  assert.equal(
    (await visitor.get(`/api/public/links/${token}?folderId=${outside}&grant=${grant}`)).status,
    404,
  );
  assert.equal(
    (
      await visitor.request('POST', `/api/public/links/${token}/files?name=x.txt&grant=${grant}`, {
        body: 'x',
        headers: { 'content-type': 'application/octet-stream' },
      })
    ).status,
    403,
  );

  const active = await client.get<{ items: { id: string; hasPassword: boolean }[] }>(
    `/api/clubs/${clubId}/links`,
  );
  assert.ok(active.body.items.some((l) => l.id === created.body.id && l.hasPassword));
  assert.equal((await client.delete(`/api/clubs/${clubId}/links/${created.body.id}`)).status, 204);
  const revoked = await visitor.get<{ error: { code: string } }>(`/api/public/links/${token}?grant=${grant}`);
  assert.equal(revoked.status, 410);
  assert.equal(revoked.body.error.code, 'link_revoked');
  const audit = await server.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', created.body.id)
    .execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['cloud.link_created', 'cloud.link_revoked']);
});

test('a file drop accepts uploads without overwriting and shows nothing of the folder', async () => {
  const einsendungen = (
    await client.get<{ items: { id: string }[] }>(`/api/clubs/${clubId}/files/search?q=Einsend`)
  ).body.items[0]!.id;
  const created = await client.post<{ token: string }>(`/api/clubs/${clubId}/links`, {
    nodeId: einsendungen,
    mode: 'upload_only',
  });
  assert.equal(created.status, 201, created.text);
  const visitor = anonymous();
  const drop = (body: string) =>
    visitor.request<{ name: string }>('POST', `/api/public/links/${created.body.token}/files?name=bild.txt`, {
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
  assert.equal((await drop('eins')).body.name, 'bild.txt');
  assert.equal((await drop('zwei')).body.name, 'bild (2).txt');
  const seen = await visitor.get<{ items: unknown[]; mode: string }>(
    `/api/public/links/${created.body.token}`,
  );
  assert.equal(seen.body.mode, 'upload_only');
  assert.deepEqual(seen.body.items, []);
  assert.equal((await visitor.get(`/api/public/links/${created.body.token}/content`)).status, 403);
  const expired = await client.post(`/api/clubs/${clubId}/links`, {
    nodeId: fileId,
    expiresAt: new Date(Date.now() - 1000).toISOString(),
  });
  assert.equal(expired.status, 400);
  assert.equal(
    (await client.post(`/api/clubs/${clubId}/links`, { nodeId: fileId, mode: 'upload_only' })).status,
    409,
  );
});

test('an expired link tells its visitor so (410 link_expired); an unknown token is 404', async () => {
  const created = await client.post<{ id: string; token: string }>(`/api/clubs/${clubId}/links`, {
    nodeId: fileId,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  assert.equal(created.status, 201, created.text);
  await server.ctx.db
    .updateTable('cloud_public_links')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', created.body.id)
    .execute();
  const expired = await anonymous().get<{ error: { code: string } }>(
    `/api/public/links/${created.body.token}`,
  );
  assert.equal(expired.status, 410);
  assert.equal(expired.body.error.code, 'link_expired');
  assert.equal((await anonymous().get(`/api/public/links/${'x'.repeat(43)}`)).status, 404);
});
