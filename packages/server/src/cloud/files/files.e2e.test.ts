// The JSON file API and tus uploads end to end: folders, paging and sorting, rename/move, trash and
// restore, versions, ranges, search, rights of read-only members and strangers, and a tus upload that
// resumes after an interrupted PATCH.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

interface Node {
  id: string;
  name: string;
  kind: string;
  size: number;
  parentId: string | null;
}
interface Listing {
  folder: Node;
  path: { id: string; name: string }[];
  items: Node[];
  total: number;
  access: string;
  usedBytes: number;
}

let server: TestServer;
let client: TestClient;
let clubId: string;
let davBase: string;
let davAuth: string;
let rootId: string;
let municipality: Awaited<ReturnType<typeof createTestClub>>['municipality'];
before(async () => {
  server = await startTestServer({ webDist: null });
  const made = await createTestClub(server.ctx, { quotaBytes: 1_000_000 });
  const { admin, club, appPassword } = made;
  municipality = made.municipality;
  clubId = club.id;
  davBase = `${server.url}/dav/files/${club.slug}`;
  davAuth = basic(admin.email, appPassword);
  client = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  rootId = (await client.get<Listing>(`/api/clubs/${clubId}/files`)).body.folder.id;
});
after(() => server.close());

const put = (path: string, body: string, contentType = 'text/plain') =>
  fetch(`${davBase}${path}`, {
    method: 'PUT',
    headers: { authorization: davAuth, 'content-type': contentType },
    body,
  });

const b64 = (s: string) => Buffer.from(s).toString('base64');
const tusHeaders = (extra: Record<string, string> = {}) => ({ 'tus-resumable': '1.0.0', ...extra });

async function createUpload(name: string, length: number, folderId = rootId) {
  const res = await client.request('POST', '/api/cloud/uploads', {
    headers: tusHeaders({
      'upload-length': String(length),
      'upload-metadata': `filename ${b64(name)},clubId ${b64(clubId)},folderId ${b64(folderId)}`,
    }),
  });
  return res;
}

test('folders are created, listed with paging and sorting, renamed, moved, trashed and restored', async () => {
  const folder = await client.post<Node>(`/api/clubs/${clubId}/folders`, {
    parentId: rootId,
    name: 'Vorstand',
  });
  assert.equal(folder.status, 201, folder.text);
  assert.equal(
    (await client.post(`/api/clubs/${clubId}/folders`, { parentId: rootId, name: 'Vorstand' })).status,
    409,
  );
  assert.equal((await put('/Vorstand/b.txt', 'bbbb')).status, 201);
  assert.equal((await put('/Vorstand/a.txt', 'a')).status, 201);
  assert.equal((await put('/Vorstand/c.txt', 'cc')).status, 201);

  const page = await client.get<Listing>(
    `/api/clubs/${clubId}/files?folderId=${folder.body.id}&sort=size&order=desc&limit=2`,
  );
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(
    page.body.items.map((n) => n.name),
    ['b.txt', 'c.txt'],
  );
  assert.equal(page.body.total, 3);
  assert.deepEqual(
    page.body.path.map((c) => c.id),
    [rootId, folder.body.id],
  );
  assert.equal(page.body.access, 'write');

  const a = (await client.get<Listing>(`/api/clubs/${clubId}/files?folderId=${folder.body.id}`)).body
    .items[0]!;
  assert.equal(a.name, 'a.txt');
  const renamed = await client.patch<Node>(`/api/clubs/${clubId}/files/${a.id}`, { name: 'Protokoll.txt' });
  assert.equal(renamed.body.name, 'Protokoll.txt');
  const moved = await client.patch<Node>(`/api/clubs/${clubId}/files/${a.id}`, { parentId: rootId });
  assert.equal(moved.body.parentId, rootId);
  assert.equal(
    (await fetch(`${davBase}/Protokoll.txt`, { headers: { authorization: davAuth } })).status,
    200,
  );
  assert.equal(
    (await client.patch(`/api/clubs/${clubId}/files/${folder.body.id}`, { parentId: folder.body.id })).status,
    409,
  );

  assert.equal((await client.delete(`/api/clubs/${clubId}/files/${folder.body.id}`)).status, 204);
  const trash = await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/trash`);
  assert.deepEqual(
    trash.body.items.map((n) => n.name),
    ['Vorstand'],
  );
  const search = await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/files/search?q=b.tx`);
  assert.equal(search.body.items.length, 0, 'trashed files are not found');
  const restored = await client.post<Node>(`/api/clubs/${clubId}/trash/${folder.body.id}/restore`);
  assert.equal(restored.status, 200, restored.text);
  const found = await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/files/search?q=B.TX`);
  assert.deepEqual(
    found.body.items.map((n) => n.name),
    ['b.txt'],
  );
});

test('downloads honour Range; previews are inline only for images and PDFs; versions can be restored', async () => {
  assert.equal((await put('/v.txt', 'first')).status, 201);
  assert.equal((await put('/v.txt', 'second!')).status, 204);
  const listing = await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/files/search?q=v.txt`);
  const file = listing.body.items[0]!;
  const range = await client.get(`/api/clubs/${clubId}/files/${file.id}/content`, { range: 'bytes=1-3' });
  assert.equal(range.status, 206);
  assert.equal(range.text, 'eco');
  assert.equal(range.headers.get('content-range'), 'bytes 1-3/7');
  const inline = await client.get(`/api/clubs/${clubId}/files/${file.id}/content?inline=true`);
  assert.match(inline.headers.get('content-disposition') ?? '', /^attachment/);
  assert.equal((await put('/bild.png', 'png', 'image/png')).status, 201);
  const image = (await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/files/search?q=bild`)).body
    .items[0]!;
  const preview = await client.get(`/api/clubs/${clubId}/files/${image.id}/content?inline=true`);
  assert.match(preview.headers.get('content-disposition') ?? '', /^inline/);

  const versions = await client.get<{ items: { id: string; size: number }[] }>(
    `/api/clubs/${clubId}/files/${file.id}/versions`,
  );
  assert.deepEqual(
    versions.body.items.map((v) => v.size),
    [5],
  );
  const restored = await client.post<Node>(
    `/api/clubs/${clubId}/files/${file.id}/versions/${versions.body.items[0]!.id}/restore`,
  );
  assert.equal(restored.status, 200, restored.text);
  assert.equal((await client.get(`/api/clubs/${clubId}/files/${file.id}/content`)).text, 'first');
});

test('read-only members may list but not change; strangers see nothing', async () => {
  const reader = await createTestUser(server.ctx.db, { home: municipality });
  await server.ctx.db
    .insertInto('club_members')
    .values({ club_id: clubId, user_id: reader.id, role: 'member' })
    .execute();
  await server.ctx.db
    .updateTable('clubs')
    .set({ default_member_access: 'read' })
    .where('id', '=', clubId)
    .execute();
  const member = await loggedInClient(server.url, reader.email, TEST_PASSWORD);
  const listing = await member.get<Listing>(`/api/clubs/${clubId}/files`);
  assert.equal(listing.status, 200, listing.text);
  assert.equal(listing.body.access, 'read');
  assert.equal(
    (await member.post(`/api/clubs/${clubId}/folders`, { parentId: rootId, name: 'X' })).status,
    403,
  );

  const stranger = await createTestUser(server.ctx.db);
  const other = await loggedInClient(server.url, stranger.email, TEST_PASSWORD);
  assert.equal((await other.get(`/api/clubs/${clubId}/files`)).status, 404);
  const upload = await other.request('POST', '/api/cloud/uploads', {
    headers: tusHeaders({
      'upload-length': '3',
      'upload-metadata': `filename ${b64('x.txt')},clubId ${b64(clubId)},folderId ${b64(rootId)}`,
    }),
  });
  assert.equal(upload.status, 404);
});

test('tus: creation, HEAD, PATCH in parts, resume after an interrupted PATCH, termination, quota', async () => {
  const options = await client.request('OPTIONS', '/api/cloud/uploads');
  assert.equal(options.headers.get('tus-version'), '1.0.0');
  assert.match(options.headers.get('tus-extension') ?? '', /creation/);

  const content = Buffer.alloc(300_000, 7);
  content.write('Anfang', 0);
  const created = await createUpload('Großes Video.bin', content.length);
  assert.equal(created.status, 201, created.text);
  const location = created.headers.get('location')!;
  assert.match(location, /^\/api\/cloud\/uploads\/./);

  const first = await client.request('PATCH', location, {
    headers: tusHeaders({ 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }),
    body: content.subarray(0, 100_000),
  });
  assert.equal(first.status, 204, first.text);
  assert.equal(first.headers.get('upload-offset'), '100000');

  // A PATCH that breaks off in the middle: the client sends part of the bytes and drops the connection.
  await new Promise<void>((resolve) => {
    const url = new URL(location, server.url);
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders({ 'content-type': 'application/offset+octet-stream', 'upload-offset': '100000' }),
        'content-length': '200000',
        cookie: client.cookie!,
        'x-csrf-token': client.csrfToken!,
      },
    });
    req.on('error', () => resolve());
    req.write(content.subarray(100_000, 150_000), () => setTimeout(() => (req.destroy(), resolve()), 200));
  });

  let head = await client.request('HEAD', location, { headers: tusHeaders() });
  for (let i = 0; i < 50 && head.headers.get('upload-offset') !== '100000'; i++) {
    // The server notices the broken connection asynchronously.
    await new Promise((r) => setTimeout(r, 100));
    head = await client.request('HEAD', location, { headers: tusHeaders() });
  }
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('upload-length'), String(content.length));
  const offset = Number(head.headers.get('upload-offset'));
  assert.equal(offset, 100_000);

  const wrong = await client.request('PATCH', location, {
    headers: tusHeaders({ 'content-type': 'application/offset+octet-stream', 'upload-offset': '5' }),
    body: Buffer.from('x'),
  });
  assert.equal(wrong.status, 409);
  const patchRest = () =>
    client.request('PATCH', location, {
      headers: tusHeaders({
        'content-type': 'application/offset+octet-stream',
        'upload-offset': String(offset),
      }),
      body: content.subarray(offset),
    });
  // The broken PATCH may still hold the upload's lock for a moment (423): a client retries.
  let rest = await patchRest();
  for (let i = 0; i < 50 && rest.status === 423; i++) {
    await new Promise((r) => setTimeout(r, 100));
    rest = await patchRest();
  }
  assert.equal(rest.status, 204, rest.text);
  assert.equal(rest.headers.get('upload-offset'), String(content.length));

  const found = await client.get<{ items: Node[] }>(`/api/clubs/${clubId}/files/search?q=Großes`);
  assert.equal(found.body.items[0]?.size, content.length);
  const download = await fetch(`${server.url}/api/clubs/${clubId}/files/${found.body.items[0].id}/content`, {
    headers: { cookie: client.cookie! },
  });
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(content));

  const tooBig = await createUpload('zu-gross.bin', 2_000_000);
  assert.equal(tooBig.status, 507);

  const aborted = await createUpload('abbruch.bin', 10);
  const abortedUrl = aborted.headers.get('location')!;
  assert.equal((await client.request('DELETE', abortedUrl, { headers: tusHeaders() })).status, 204);
  assert.equal((await client.request('HEAD', abortedUrl, { headers: tusHeaders() })).status, 404);
  assert.equal((await client.request('POST', '/api/cloud/uploads', { headers: {} })).status, 412);
});
