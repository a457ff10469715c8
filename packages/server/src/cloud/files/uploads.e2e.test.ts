// tus uploads under contention and after abandonment: a second PATCH on an upload that is being
// written gets 423 and the bytes stay intact; the clean-up removes uploads older than the expiry from
// storage and database, but neither fresh ones nor one that is being written.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createTestClub } from '../../test-support/cloud.js';
import { TEST_PASSWORD } from '../../test-support/factories.js';
import { loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { removeAbandonedUploads } from './uploads.cleanup.js';

let server: TestServer;
let client: TestClient;
let clubId: string;
let rootId: string;
before(async () => {
  server = await startTestServer({ webDist: null, env: { JOBS_ENABLED: 'false' } });
  const { admin, club } = await createTestClub(server.ctx);
  clubId = club.id;
  client = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  rootId = (await client.get<{ folder: { id: string } }>(`/api/clubs/${clubId}/files`)).body.folder.id;
});
after(() => server.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const tus = (extra: Record<string, string> = {}) => ({ 'tus-resumable': '1.0.0', ...extra });
const patchHeaders = (offset: number) =>
  tus({ 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) });

async function createUpload(name: string, length: number): Promise<string> {
  const res = await client.request('POST', '/api/cloud/uploads', {
    headers: tus({
      'upload-length': String(length),
      'upload-metadata': `filename ${b64(name)},clubId ${b64(clubId)},folderId ${b64(rootId)}`,
    }),
  });
  assert.equal(res.status, 201, res.text);
  return res.headers.get('location')!;
}

const uploadId = (location: string) => location.split('/').at(-1)!;
const row = (id: string) =>
  server.ctx.db.selectFrom('cloud_uploads').selectAll().where('id', '=', id).executeTakeFirst();

test('a second PATCH while one is writing gets 423; the first completes with intact content', async () => {
  const content = Buffer.alloc(200_000);
  for (let i = 0; i < content.length; i++) content[i] = i % 251;
  const location = await createUpload('gleichzeitig.bin', content.length);
  const id = uploadId(location);
  assert.ok(await row(id), 'the upload has a row');

  // PATCH A sends half of its bytes and then waits, holding the upload.
  const url = new URL(location, server.url);
  let release!: () => void;
  const answerA = new Promise<{ status: number; offset: string | undefined }>((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        ...patchHeaders(0),
        'content-length': String(content.length),
        cookie: client.cookie!,
        'x-csrf-token': client.csrfToken!,
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, offset: res.headers['upload-offset'] as string | undefined }),
      );
    });
    req.on('error', reject);
    req.write(content.subarray(0, 100_000));
    release = () => req.end(content.subarray(100_000));
  });
  for (let i = 0; i < 100 && !(await row(id))?.lock_token; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok((await row(id))?.lock_token, 'PATCH A holds the lock');

  // PATCH B with the same offset and other bytes is refused instead of interleaving.
  const b = await client.request('PATCH', location, {
    headers: patchHeaders(0),
    body: Buffer.alloc(200_000, 0xee),
  });
  assert.equal(b.status, 423, b.text);
  // Termination is refused too while A writes.
  assert.equal((await client.request('DELETE', location, { headers: tus() })).status, 423);

  release();
  const a = await answerA;
  assert.equal(a.status, 204);
  assert.equal(a.offset, String(content.length));
  assert.equal(await row(id), undefined, 'a completed upload leaves no row');

  const found = await client.get<{ items: { id: string; size: number }[] }>(
    `/api/clubs/${clubId}/files/search?q=gleichzeitig`,
  );
  const download = await fetch(`${server.url}/api/clubs/${clubId}/files/${found.body.items[0]!.id}/content`, {
    headers: { cookie: client.cookie! },
  });
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(content), 'the content is A’s, unmixed');
});

test('the clean-up removes abandoned uploads from storage and database, not fresh or busy ones', async () => {
  const old = await createUpload('vergessen.bin', 1000);
  const busy = await createUpload('laeuft-noch.bin', 1000);
  const fresh = await createUpload('neu.bin', 1000);
  const part = await client.request('PATCH', old, { headers: patchHeaders(0), body: Buffer.alloc(400, 1) });
  assert.equal(part.status, 204, part.text);

  const dayAgo = new Date(Date.now() - 25 * 3600_000);
  await sql`update cloud_uploads set created_at = ${dayAgo}
    where id in (${uploadId(old)}, ${uploadId(busy)})`.execute(server.ctx.db);
  // A PATCH is writing into "busy" right now (its lock is held).
  await server.ctx.db
    .updateTable('cloud_uploads')
    .set({ lock_token: 'someone', locked_until: new Date(Date.now() + 60_000) })
    .where('id', '=', uploadId(busy))
    .execute();

  const removed = await removeAbandonedUploads(
    server.ctx.db,
    server.ctx.files,
    new Date(Date.now() - 24 * 3600_000),
  );
  assert.equal(removed, 1);
  assert.equal(await row(uploadId(old)), undefined);
  await assert.rejects(server.ctx.files.getUpload(uploadId(old)));
  assert.equal((await client.request('HEAD', old, { headers: tus() })).status, 404);

  for (const kept of [busy, fresh]) {
    assert.ok(await row(uploadId(kept)));
    assert.equal((await server.ctx.files.getUpload(uploadId(kept))).offset, 0);
  }
  // Running it again finds nothing more (the busy one is still held).
  assert.equal(
    await removeAbandonedUploads(server.ctx.db, server.ctx.files, new Date(Date.now() - 24 * 3600_000)),
    0,
  );
});
