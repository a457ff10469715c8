// The behaviour every FileStorage must show; local.test.ts and s3.test.ts run it against each backend.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isAppError } from '../../errors.js';
import type { FileStorage } from '../storage.js';

export interface ContractTarget {
  storage: FileStorage;
  /** Left-overs of writes and uploads (temporary files, staged parts, unfinished multipart uploads). */
  garbage(): Promise<string[]>;
  /** Whether to run the large streamed object test (slow backends may skip it only by not listing it). */
  large: boolean;
}

const MiB = 1024 * 1024;
export const sha = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
export const bytes = (n: number, seed = 1) => {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
};

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of data in chunks that fails with an error after `failAfter` bytes. */
export function failingStream(data: Buffer, failAfter: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= failAfter) {
        this.destroy(new Error('client went away'));
        return;
      }
      const next = data.subarray(sent, Math.min(sent + 64 * 1024, failAfter));
      sent += next.length;
      this.push(next);
    },
  });
}

export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAppError(error), `expected an AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

let counter = 0;
const uniquePrefix = () =>
  `m/test-${process.pid}-${++counter}-${crypto.randomBytes(3).toString('hex')}/files/`;

export function fileStorageContract(name: string, target: () => ContractTarget): void {
  const s = () => target().storage;

  void test(`${name}: put, get, stat, exists and overwrite`, async () => {
    const key = `${uniquePrefix()}a.txt`;
    const data = Buffer.from('Hallo Flieden, hallo Kalbach!');
    const put = await s().put(key, Readable.from([data]), { contentType: 'text/plain' });
    assert.deepEqual({ size: put.size, sha256: put.sha256 }, { size: data.length, sha256: sha(data) });
    assert.ok(put.etag.length > 2);
    const got = await s().get(key);
    assert.deepEqual(await readAll(got.stream), data);
    assert.equal(got.size, data.length);
    assert.equal(got.contentType, 'text/plain');
    assert.equal(got.etag, put.etag);
    assert.deepEqual(got.range, { start: 0, end: data.length - 1, length: data.length });
    const info = await s().stat(key);
    assert.equal(info?.size, data.length);
    assert.equal(info?.contentType, 'text/plain');
    assert.equal(info?.etag, put.etag);
    assert.ok(info?.lastModified instanceof Date);
    assert.equal(await s().exists(key), true);
    assert.equal(await s().exists(`${key}.missing`), false);
    assert.equal(await s().stat(`${key}.missing`), null);
    await rejectsWithCode(s().get(`${key}.missing`), 'file_not_found');

    const second = Buffer.from('second version');
    const put2 = await s().put(key, Readable.from([second]));
    assert.notEqual(put2.etag, put.etag);
    assert.deepEqual(await readAll((await s().get(key)).stream), second);
    assert.equal((await s().stat(key))?.contentType, 'application/octet-stream');
  });

  void test(`${name}: the empty file`, async () => {
    const key = `${uniquePrefix()}empty`;
    const put = await s().put(key, Readable.from([]), { size: 0 });
    assert.equal(put.size, 0);
    assert.equal(put.sha256, sha(Buffer.alloc(0)));
    const got = await s().get(key);
    assert.equal((await readAll(got.stream)).length, 0);
    assert.equal(got.size, 0);
    await rejectsWithCode(s().get(key, { range: { start: 0 } }), 'file_range_not_satisfiable');
  });

  void test(`${name}: byte ranges`, async () => {
    const key = `${uniquePrefix()}range.bin`;
    const data = bytes(200_000, 3);
    await s().put(key, Readable.from([data]));
    const cases: [number, number | undefined][] = [
      [0, 0],
      [0, 99],
      [65_530, 65_545],
      [131_071, 131_073],
      [199_999, undefined],
      [150_000, 500_000],
      [12_345, undefined],
    ];
    for (const [start, end] of cases) {
      const got = await s().get(key, { range: end === undefined ? { start } : { start, end } });
      const expectedEnd = Math.min(end ?? data.length - 1, data.length - 1);
      assert.deepEqual(got.range, { start, end: expectedEnd, length: expectedEnd - start + 1 });
      assert.equal(got.size, data.length);
      assert.deepEqual(
        await readAll(got.stream),
        data.subarray(start, expectedEnd + 1),
        `range ${start}-${end}`,
      );
    }
    await rejectsWithCode(s().get(key, { range: { start: 200_000 } }), 'file_range_not_satisfiable');
    await rejectsWithCode(s().get(key, { range: { start: 10, end: 5 } }), 'file_range_not_satisfiable');
  });

  void test(`${name}: delete is idempotent`, async () => {
    const key = `${uniquePrefix()}gone`;
    await s().put(key, Readable.from([Buffer.from('x')]));
    await s().delete(key);
    await s().delete(key);
    assert.equal(await s().exists(key), false);
    await rejectsWithCode(s().get(key), 'file_not_found');
  });

  void test(`${name}: copy`, async () => {
    const prefix = uniquePrefix();
    const data = bytes(70_000, 9);
    await s().put(`${prefix}source`, Readable.from([data]), { contentType: 'image/jpeg' });
    const copied = await s().copy(`${prefix}source`, `${prefix}target`);
    assert.equal(copied.key, `${prefix}target`);
    assert.equal(copied.size, data.length);
    assert.equal(copied.contentType, 'image/jpeg');
    assert.deepEqual(await readAll((await s().get(`${prefix}target`)).stream), data);
    assert.deepEqual(await readAll((await s().get(`${prefix}source`)).stream), data);
    const listed = await s().list(prefix);
    assert.deepEqual(
      listed.items.map((i) => i.key),
      [`${prefix}source`, `${prefix}target`],
    );
    await rejectsWithCode(s().copy(`${prefix}missing`, `${prefix}other`), 'file_not_found');
  });

  void test(`${name}: list is paginated, ordered and limited to the prefix`, async () => {
    const prefix = uniquePrefix();
    const names = ['b', 'a', 'c/1', 'c/2', 'd-1', 'd.2', 'e'];
    for (const n of names) await s().put(`${prefix}${n}`, Readable.from([Buffer.from(n)]));
    await s().put(`${prefix.slice(0, -1)}-other/x`, Readable.from([Buffer.from('x')]));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await s().list(prefix, { limit: 3, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((i) => i.key.slice(prefix.length)));
      for (const item of page.items) assert.equal(item.size, item.key.length - prefix.length);
      cursor = page.cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...names].sort());
    const sub = await s().list(`${prefix}c/`);
    assert.deepEqual(
      sub.items.map((i) => i.key),
      [`${prefix}c/1`, `${prefix}c/2`],
    );
    assert.deepEqual((await s().list(`${prefix}zzz`)).items, []);
  });

  void test(`${name}: an aborted write leaves nothing, not even the old content changed`, async () => {
    const key = `${uniquePrefix()}aborted`;
    const data = bytes(3 * MiB, 5);
    await rejects(s().put(key, failingStream(data, 2 * MiB + 17)));
    assert.equal(await s().exists(key), false);
    await s().put(key, Readable.from([Buffer.from('old')]));
    await rejects(s().put(key, failingStream(data, MiB)));
    assert.deepEqual(await readAll((await s().get(key)).stream), Buffer.from('old'));
    assert.deepEqual(await target().garbage(), []);
  });

  void test(`${name}: announced size and SHA-256 are verified`, async () => {
    const key = `${uniquePrefix()}checked`;
    const data = bytes(100_000, 2);
    await rejectsWithCode(
      s().put(key, Readable.from([data]), { sha256: sha(bytes(10)) }),
      'file_checksum_mismatch',
    );
    await rejectsWithCode(
      s().put(key, Readable.from([data]), { size: data.length + 1 }),
      'file_size_mismatch',
    );
    await rejectsWithCode(
      s().put(key, Readable.from([data]), { size: data.length - 1 }),
      'file_size_mismatch',
    );
    assert.equal(await s().exists(key), false);
    assert.deepEqual(await target().garbage(), []);
    const ok = await s().put(key, Readable.from([data]), {
      size: data.length,
      sha256: sha(data).toUpperCase(),
    });
    assert.equal(ok.sha256, sha(data));
  });

  void test(`${name}: keys are validated`, async () => {
    const bad = [
      '',
      '../x',
      'm/1/../../etc/passwd',
      '/etc/passwd',
      'a//b',
      'a/',
      'a\0b',
      'm/ä',
      'a b',
      'a\\b',
      'x'.repeat(600),
    ];
    for (const key of bad) {
      await rejectsWithCode(s().put(key, Readable.from([Buffer.from('x')])), 'file_key_invalid');
      await rejectsWithCode(s().get(key), 'file_key_invalid');
      await rejectsWithCode(s().stat(key), 'file_key_invalid');
      await rejectsWithCode(s().delete(key), 'file_key_invalid');
      await rejectsWithCode(s().createUpload(key), 'file_key_invalid');
    }
    await rejectsWithCode(s().list('../'), 'file_key_invalid');
    await rejectsWithCode(s().getUpload('../../etc'), 'file_upload_not_found');
  });

  void test(`${name}: resumable upload in parts`, async () => {
    const key = `${uniquePrefix()}resumable.bin`;
    const data = bytes(12 * MiB + 12_345, 4);
    const pieces = [6 * MiB + 1, 100_000, 5 * MiB, 12_345 + MiB - 100_001];
    assert.equal(
      pieces.reduce((a, b) => a + b, 0),
      data.length,
    );
    const created = await s().createUpload(key, { contentType: 'video/mp4', meta: { owner: 'club-1' } });
    assert.equal(created.offset, 0);
    assert.deepEqual(created.meta, { owner: 'club-1' });
    let offset = 0;
    for (const [i, n] of pieces.entries()) {
      if (i === 1) {
        // A broken request changes nothing; the client resumes at the reported offset.
        await rejects(
          s().appendUpload(created.uploadId, failingStream(data.subarray(offset, offset + n), 50_000), {
            offset,
          }),
        );
        assert.equal((await s().getUpload(created.uploadId)).offset, offset);
        await rejectsWithCode(
          s().appendUpload(created.uploadId, Readable.from([Buffer.from('x')]), { offset: offset + 1 }),
          'file_upload_offset_mismatch',
        );
      }
      const info = await s().appendUpload(
        created.uploadId,
        Readable.from([data.subarray(offset, offset + n)]),
        {
          offset,
          meta: () => ({ owner: 'club-1', piece: i }),
        },
      );
      offset += n;
      assert.equal(info.offset, offset);
      assert.deepEqual(info.meta, { owner: 'club-1', piece: i });
    }
    assert.equal(await s().exists(key), false);
    await rejectsWithCode(
      s().completeUpload(created.uploadId, { sha256: sha(bytes(1)) }),
      'file_checksum_mismatch',
    );
    const done = await s().completeUpload(created.uploadId, { size: data.length, sha256: sha(data) });
    assert.deepEqual({ size: done.size, sha256: done.sha256 }, { size: data.length, sha256: sha(data) });
    const got = await s().get(key);
    assert.equal(got.contentType, 'video/mp4');
    assert.ok((await readAll(got.stream)).equals(data));
    const mid = await s().get(key, { range: { start: 6 * MiB - 10, end: 6 * MiB + 10 } });
    assert.deepEqual(await readAll(mid.stream), data.subarray(6 * MiB - 10, 6 * MiB + 11));
    await rejectsWithCode(s().getUpload(created.uploadId), 'file_upload_not_found');
    assert.deepEqual(await target().garbage(), []);
  });

  void test(`${name}: small and empty resumable uploads`, async () => {
    const prefix = uniquePrefix();
    const empty = await s().createUpload(`${prefix}empty`);
    assert.equal((await s().completeUpload(empty.uploadId)).size, 0);
    assert.equal((await s().stat(`${prefix}empty`))?.size, 0);
    const small = await s().createUpload(`${prefix}small`);
    await s().appendUpload(small.uploadId, Readable.from([Buffer.from('abc')]), { offset: 0 });
    await s().appendUpload(small.uploadId, Readable.from([Buffer.from('def')]), { offset: 3 });
    const done = await s().completeUpload(small.uploadId);
    assert.equal(done.sha256, sha(Buffer.from('abcdef')));
    assert.deepEqual(await readAll((await s().get(`${prefix}small`)).stream), Buffer.from('abcdef'));
  });

  void test(`${name}: aborting uploads cleans up`, async () => {
    const prefix = uniquePrefix();
    const one = await s().createUpload(`${prefix}one`);
    await s().appendUpload(one.uploadId, Readable.from([bytes(6 * MiB)]), { offset: 0 });
    await s().abortUpload(one.uploadId);
    await s().abortUpload(one.uploadId);
    await rejectsWithCode(s().getUpload(one.uploadId), 'file_upload_not_found');
    await rejectsWithCode(
      s().appendUpload(one.uploadId, Readable.from([Buffer.from('x')]), { offset: 0 }),
      'file_upload_not_found',
    );
    assert.equal(await s().exists(`${prefix}one`), false);

    const two = await s().createUpload(`${prefix}two`);
    await s().appendUpload(two.uploadId, Readable.from([bytes(1000)]), { offset: 0 });
    assert.equal(await s().abortUploadsOlderThan(new Date(Date.now() - 3_600_000)), 0);
    assert.ok((await s().abortUploadsOlderThan(new Date(Date.now() + 1000))) >= 1);
    await rejectsWithCode(s().getUpload(two.uploadId), 'file_upload_not_found');
    assert.deepEqual(await target().garbage(), []);
  });

  void test(`${name}: a large object streams through with bounded memory`, async (t) => {
    if (!target().large) {
      t.diagnostic('large object test runs on the plain backends');
      return;
    }
    const key = `${uniquePrefix()}large.bin`;
    const total = 300 * MiB;
    const chunk = bytes(MiB, 11);
    const expected = crypto.createHash('sha256');
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent >= total) {
          this.push(null);
          return;
        }
        const next = Buffer.from(chunk);
        next.writeUInt32BE(sent / MiB, 0); // every MiB differs, so misplaced data shows in the hash
        expected.update(next);
        sent += next.length;
        if (sent % (8 * MiB) === 0) sample();
        this.push(next);
      },
    });
    const put = await s().put(key, source, { size: total });
    const sha256 = expected.digest('hex');
    assert.equal(put.size, total);
    assert.equal(put.sha256, sha256);
    const got = await s().get(key);
    const hash = crypto.createHash('sha256');
    let received = 0;
    for await (const piece of got.stream) {
      hash.update(piece as Buffer);
      received += (piece as Buffer).length;
      if (received % (8 * MiB) < (piece as Buffer).length) sample();
    }
    assert.equal(received, total);
    assert.equal(hash.digest('hex'), sha256);
    sample();
    const growth = peak - baseline;
    t.diagnostic(`rss growth ${(growth / MiB).toFixed(1)} MiB for a ${total / MiB} MiB object`);
    // Holding the object would grow by its whole size; streaming grows by the buffers under way plus what
    // the garbage collector has not returned yet (once 116 MiB for the 300 MiB, on a loaded machine).
    assert.ok(growth < total / 2, `rss grew by ${(growth / MiB).toFixed(1)} MiB`);
    await s().delete(key);
  });
}

async function rejects(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise);
}
