import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { EncryptedFileStorage, HEADER_SIZE, plainSize } from './encrypted.js';
import { LocalFileStorage } from './local.js';
import { bytes, readAll, rejectsWithCode, sha } from './testing/contract.js';

const SEGMENT = 1024;
let root: string;
let inner: LocalFileStorage;
let storage: EncryptedFileStorage;
const masterKey = crypto.randomBytes(32);

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-enc-'));
  inner = new LocalFileStorage(root);
  storage = new EncryptedFileStorage(inner, masterKey, SEGMENT);
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Rewrites the stored (encrypted) object through the inner storage. */
async function tamper(key: string, change: (stored: Buffer) => Buffer): Promise<void> {
  const stored = await readAll((await inner.get(key)).stream);
  await inner.put(key, Readable.from([change(Buffer.from(stored))]));
}

test('round trip: the stored bytes are not the plaintext, sizes are plaintext sizes', async () => {
  const data = Buffer.from('Vereinsbeiträge 2026: '.repeat(200));
  const put = await storage.put('m/1/test/plain', Readable.from([data]));
  assert.equal(put.sha256, sha(data));
  const stored = await readAll((await inner.get('m/1/test/plain')).stream);
  assert.equal(stored.includes(Buffer.from('Vereinsbeitr')), false);
  assert.equal(plainSize(stored.length, SEGMENT), data.length);
  assert.equal((await storage.stat('m/1/test/plain'))?.size, data.length);
  assert.deepEqual(await readAll((await storage.get('m/1/test/plain')).stream), data);
});

test('every range across segment boundaries decrypts to the right bytes', async () => {
  for (const size of [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 17]) {
    const data = bytes(size, size);
    const key = `m/1/test/size-${size}`;
    await storage.put(key, Readable.from([data]));
    assert.deepEqual(await readAll((await storage.get(key)).stream), data, `whole ${size}`);
    const points = [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT - 1, 2 * SEGMENT, size - 1].filter(
      (p) => p >= 0 && p < size,
    );
    for (const start of points) {
      for (const end of points.filter((p) => p >= start)) {
        const got = await storage.get(key, { range: { start, end } });
        assert.deepEqual(
          await readAll(got.stream),
          data.subarray(start, end + 1),
          `${size}: ${start}-${end}`,
        );
      }
    }
  }
});

test('a flipped bit, a truncated or an extended object and swapped segments are detected', async () => {
  const data = bytes(4 * SEGMENT + 100, 7);
  const sealed = SEGMENT + 16;
  const cases: [string, (b: Buffer) => Buffer][] = [
    ['flip', (b) => ((b[HEADER_SIZE + sealed + 5]! ^= 1), b)],
    ['flip-header', (b) => ((b[40]! ^= 1), b)],
    ['truncate-last', (b) => b.subarray(0, b.length - 1)],
    ['drop-final-segment', (b) => b.subarray(0, HEADER_SIZE + 4 * sealed)],
    ['extend', (b) => Buffer.concat([b, Buffer.alloc(16)])],
    [
      'swap',
      (b) => {
        const s1 = Buffer.from(b.subarray(HEADER_SIZE, HEADER_SIZE + sealed));
        const s2 = Buffer.from(b.subarray(HEADER_SIZE + sealed, HEADER_SIZE + 2 * sealed));
        s2.copy(b, HEADER_SIZE);
        s1.copy(b, HEADER_SIZE + sealed);
        return b;
      },
    ],
  ];
  for (const [name, change] of cases) {
    const key = `m/1/test/tamper-${name}`;
    await storage.put(key, Readable.from([data]));
    await tamper(key, change);
    await assert.rejects(
      (async () => readAll((await storage.get(key)).stream))(),
      (error: { code?: string }) => error.code === 'file_integrity_failed',
      name,
    );
  }
  // A range read touching only an intact segment still works after another segment was damaged.
  await storage.put('m/1/test/partly', Readable.from([data]));
  await tamper('m/1/test/partly', (b) => ((b[HEADER_SIZE + 3 * sealed + 5]! ^= 1), b));
  const intact = await storage.get('m/1/test/partly', { range: { start: 10, end: 20 } });
  assert.deepEqual(await readAll(intact.stream), data.subarray(10, 21));
});

test('another master key cannot read the object', async () => {
  await storage.put('m/1/test/key', Readable.from([Buffer.from('secret')]));
  const other = new EncryptedFileStorage(inner, crypto.randomBytes(32), SEGMENT);
  await rejectsWithCode(other.get('m/1/test/key'), 'file_integrity_failed');
});

test('two objects with the same content are stored differently (fresh data key)', async () => {
  await storage.put('m/1/test/same-a', Readable.from([Buffer.from('same')]));
  await storage.put('m/1/test/same-b', Readable.from([Buffer.from('same')]));
  const a = await readAll((await inner.get('m/1/test/same-a')).stream);
  const b = await readAll((await inner.get('m/1/test/same-b')).stream);
  assert.notDeepEqual(a, b);
});

test('resumable uploads keep the unsealed tail encrypted in the upload state', async () => {
  const data = bytes(5 * SEGMENT + 300, 3);
  const up = await storage.createUpload('m/1/test/upload');
  const cuts = [0, 10, 10, SEGMENT + 1, 3 * SEGMENT, data.length];
  for (let i = 1; i < cuts.length; i++) {
    await storage.appendUpload(up.uploadId, Readable.from([data.subarray(cuts[i - 1], cuts[i])]), {
      offset: cuts[i - 1]!,
    });
  }
  const state = JSON.stringify((await inner.getUpload(up.uploadId)).meta);
  assert.equal(state.includes(data.subarray(3 * SEGMENT, 3 * SEGMENT + 50).toString('base64')), false);
  const done = await storage.completeUpload(up.uploadId, { sha256: sha(data) });
  assert.equal(done.size, data.length);
  assert.deepEqual(await readAll((await storage.get('m/1/test/upload')).stream), data);
  const range = await storage.get('m/1/test/upload', { range: { start: SEGMENT - 3, end: 2 * SEGMENT + 3 } });
  assert.deepEqual(await readAll(range.stream), data.subarray(SEGMENT - 3, 2 * SEGMENT + 4));
});
