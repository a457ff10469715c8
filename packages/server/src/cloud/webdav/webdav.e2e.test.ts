// WebDAV beyond litmus: quota properties, versions on overwrite, ranges, access of other people, and
// hostile clients (malformed XML, entity bombs, huge headers, a slow client) that the server survives.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let server: TestServer;
let base: string;
let auth: string;
let clubId: string;
before(async () => {
  server = await startTestServer({ webDist: null });
  const { admin, club, appPassword } = await createTestClub(server.ctx, { quotaBytes: 10_000 });
  base = `${server.url}/dav/files/${club.slug}`;
  auth = basic(admin.email, appPassword);
  clubId = club.id;
});
after(() => server.close());

const dav = (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...init.headers },
    body: init.body ?? null,
  });

async function alive() {
  const res = await dav('PROPFIND', '/', { headers: { depth: '0' } });
  assert.equal(res.status, 207);
}

test('quota properties report the club quota and usage; a PUT over the quota is refused with 507', async () => {
  assert.equal((await dav('PUT', '/a.txt', { body: 'x'.repeat(4000) })).status, 201);
  const res = await dav('PROPFIND', '/', {
    headers: { depth: '0', 'content-type': 'application/xml' },
    body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><quota-available-bytes/><quota-used-bytes/></prop></propfind>',
  });
  const xml = await res.text();
  assert.match(xml, /<D:quota-used-bytes>4000<\/D:quota-used-bytes>/);
  assert.match(xml, /<D:quota-available-bytes>6000<\/D:quota-available-bytes>/);
  const over = await dav('PUT', '/b.bin', { body: 'y'.repeat(7000) });
  assert.equal(over.status, 507);
  assert.equal((await dav('GET', '/b.bin')).status, 404);
});

test('an overwrite keeps the previous content as a version; ranges are served', async () => {
  assert.equal((await dav('PUT', '/v.txt', { body: 'first' })).status, 201);
  assert.equal((await dav('PUT', '/v.txt', { body: 'second!' })).status, 204);
  const club = await server.ctx.clubs.get(clubId);
  const node = (await server.ctx.cloudFiles.resolve(club, ['v.txt']))!;
  const versions = await server.ctx.cloudFiles.versions(node);
  assert.equal(versions.length, 1);
  const old = await server.ctx.cloudFiles.readVersion(node, versions[0]!.id);
  let text = '';
  for await (const chunk of old.stream) text += (chunk as Buffer).toString();
  assert.equal(text, 'first');
  const range = await dav('GET', '/v.txt', { headers: { range: 'bytes=1-3' } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get('content-range'), 'bytes 1-3/7');
  assert.equal(await range.text(), 'eco');
});

test('people outside the club get 404, wrong passwords 401 with a Basic challenge', async () => {
  const stranger = await createTestUser(server.ctx.db);
  const res = await fetch(`${base}/`, {
    method: 'PROPFIND',
    headers: { authorization: basic(stranger.email, TEST_PASSWORD), depth: '0' },
  });
  assert.equal(res.status, 404);
  const anonymous = await fetch(`${base}/`, { method: 'PROPFIND', headers: { depth: '0' } });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
});

test('malformed XML, entity bombs and oversized bodies are refused; the server carries on', async () => {
  const bomb =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
    '<propfind xmlns="DAV:"><prop><displayname>&lol2;</displayname></prop></propfind>';
  for (const body of ['<propfind xmlns="DAV:"><prop>', bomb, '<a:b xmlns:a=""/>', '\u0000\u0001garbage']) {
    const res = await dav('PROPFIND', '/', { headers: { depth: '0' }, body });
    assert.equal(res.status, 400, body);
  }
  const huge = await dav('PROPPATCH', '/a.txt', { body: `<x>${'a'.repeat(2 * 1024 * 1024)}</x>` });
  assert.equal(huge.status, 413);
  assert.equal((await dav('PROPFIND', '/', { headers: { depth: 'infinity' } })).status, 403);
  assert.equal((await dav('LOCK', '/a.txt', { headers: { if: '(<broken' } })).status, 400);
  await alive();
});

function rawRequest(text: string, options: { trickle?: boolean } = {}): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    // A kept-alive connection after a complete answer: enough seen.
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('connect', () => {
      if (!options.trickle) {
        socket.write(text);
        return;
      }
      // A slow client: a few bytes, then it goes quiet and hangs up.
      socket.write(text.slice(0, 20));
      setTimeout(() => socket.destroy(), 300);
    });
  });
}

test('raw sockets: huge headers, broken request lines and a slow client do not hurt the server', async () => {
  const huge = await rawRequest(
    `PROPFIND /dav/files/x/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
  );
  assert.match(huge, /^HTTP\/1\.1 431/);
  const broken = await rawRequest('PROP FIND \u0000 HTTP/9\r\n\r\n');
  assert.match(broken, /^HTTP\/1\.1 400/);
  const chunked = await rawRequest(
    `PUT /dav/files/x/y HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n`,
  );
  assert.ok(chunked === '' || /^HTTP\/1\.1 [45]\d\d/.test(chunked), chunked);
  await Promise.all(
    Array.from({ length: 20 }, () =>
      rawRequest(`PUT /dav/files/x/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`, {
        trickle: true,
      }),
    ),
  );
  await alive();
});
