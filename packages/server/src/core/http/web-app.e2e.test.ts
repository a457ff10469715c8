// The server's side of the web app's loading speed: pre-compressed files as the browser accepts them,
// hashed assets cached for a year, pages revalidated. Uses a small stand-in for the Vite build.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const SCRIPT = `console.log(${JSON.stringify('Südkreis '.repeat(300))});`;
const PAGE = `<!doctype html><html lang="de"><head><title>Smart Region</title></head><body>${'<p>x</p>'.repeat(200)}</body></html>`;

let server: TestServer;
let dist: string;
before(async () => {
  dist = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-web-dist-'));
  await fs.mkdir(path.join(dist, 'assets'));
  for (const [name, text] of [
    ['assets/index-AbC123.js', SCRIPT],
    ['index.html', PAGE],
  ] as const) {
    await fs.writeFile(path.join(dist, name), text);
    await fs.writeFile(path.join(dist, `${name}.br`), zlib.brotliCompressSync(text));
    await fs.writeFile(path.join(dist, `${name}.gz`), zlib.gzipSync(text));
  }
  server = await startTestServer({ webDist: dist });
});
after(async () => {
  await server.close();
  await fs.rm(dist, { recursive: true, force: true });
});

const get = (url: string, acceptEncoding?: string) =>
  fetch(`${server.url}${url}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

/** The raw body: fetch would decode brotli/gzip itself, which would hide what was sent. */
async function rawBody(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe('serving the web app', () => {
  test('a hashed asset comes as brotli when accepted, with a one-year immutable cache', async () => {
    const response = await get('/assets/index-AbC123.js', 'gzip, deflate, br');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'br');
    assert.match(response.headers.get('content-type') ?? '', /javascript/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(response.headers.get('vary') ?? '', /accept-encoding/i);
    assert.equal((await response.text()).length, SCRIPT.length, 'decodes to the original');
  });

  test('gzip for browsers without brotli, the plain file for clients that accept neither', async () => {
    const gzip = await get('/assets/index-AbC123.js', 'gzip');
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.equal(await gzip.text(), SCRIPT);

    const plain = await get('/assets/index-AbC123.js', 'identity');
    assert.equal(plain.headers.get('content-encoding'), null);
    const body = await rawBody(plain);
    assert.equal(body.toString(), SCRIPT);
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  test('a page path gets index.html compressed, revalidated on every visit', async () => {
    const response = await get('/dashboard/gemeinde/flieden', 'br');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'br');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await response.text(), PAGE);
  });

  test('a missing asset stays a 404, not the page', async () => {
    const response = await get('/assets/missing-123.js', 'br');
    assert.equal(response.status, 404);
  });
});
