// Encryption at rest around any FileStorage (envelope encryption). Each object gets a random 256-bit
// data key, wrapped with the master key (AES-256-GCM). Content is cut into segments of 64 KiB, each
// sealed with AES-256-GCM under the data key with a nonce of its index and a "final" flag, so a range
// read decrypts only the segments it needs, and reordered, dropped, truncated or extended segments fail.
//
// Stored object:  header (HEADER_SIZE bytes) | segment 0 | segment 1 | ... | final segment
//   header:   "SRPE" | version 1 | segment size u32 BE | master key id (8) | wrap nonce (12)
//             | wrapped data key (32) | wrap tag (16)          (the first 17 bytes are the wrap's AAD)
//   segment:  ciphertext (segment size; the final one 0..segment size) | GCM tag (16)
//   nonce:    segment index u64 BE | 0 0 0 | final flag (1 on the last segment, else 0)
import crypto from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileErrors } from './errors.js';
import { ResumableSha256, type Sha256State } from './sha256.js';
import type {
  AppendOptions,
  ByteRange,
  FileInfo,
  FileStorage,
  GetResult,
  ListPage,
  PutOptions,
  PutResult,
  UploadInfo,
  UploadMeta,
} from './storage.js';
import { Meter, both, checkExpectation, resolveRange, verify } from './streams.js';

const MAGIC = Buffer.from('SRPE');
const TAG = 16;
export const HEADER_SIZE = 4 + 1 + 4 + 8 + 12 + 32 + 16;
const AAD_SIZE = 17;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024;

/** Plaintext size from the stored size (every segment adds its tag; there is always a final segment). */
export function plainSize(storedSize: number, segmentSize: number): number {
  const body = storedSize - HEADER_SIZE;
  if (body < TAG) throw FileErrors.integrity('encrypted object too short');
  const segments = Math.ceil(body / (segmentSize + TAG));
  return body - segments * TAG;
}

function segmentCount(plain: number, segmentSize: number): number {
  return Math.max(1, Math.ceil(plain / segmentSize));
}

function nonce(index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 0);
  n[11] = final ? 1 : 0;
  return n;
}

function seal(key: Buffer, index: number, final: boolean, plain: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce(index, final));
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG) throw FileErrors.integrity('segment too short');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce(index, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  } catch {
    throw FileErrors.integrity(`segment ${index} failed authentication`);
  }
}

/** Encrypts a stream: emits the header, then sealed segments, holding one back to flag the last. */
class SegmentEncryptor extends Transform {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;

  constructor(
    private readonly key: Buffer,
    private readonly segmentSize: number,
    private index: number,
    head: Buffer | null,
    tail: Buffer,
    /** false for resumable appends: the rest is kept as the new tail instead of being sealed. */
    private readonly finish: boolean,
  ) {
    super();
    if (head) this.push(head);
    if (tail.length > 0) this.add(tail);
  }

  private add(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedLength += chunk.length;
  }

  private takeBytes(n: number): Buffer {
    const all = Buffer.concat(this.buffered);
    this.buffered = [all.subarray(n)];
    this.bufferedLength = all.length - n;
    return all.subarray(0, n);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.add(chunk);
    // Seal only when more bytes follow the segment, so we know it is not the last one.
    while (this.bufferedLength > this.segmentSize) {
      this.push(seal(this.key, this.index++, false, this.takeBytes(this.segmentSize)));
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.finish) this.push(seal(this.key, this.index++, true, this.takeBytes(this.bufferedLength)));
    callback();
  }

  get segmentsDone(): number {
    return this.index;
  }

  get rest(): Buffer {
    return Buffer.concat(this.buffered);
  }
}

/** Decrypts segments first..last of an object with `total` segments and cuts out the wanted bytes. */
class SegmentDecryptor extends Transform {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private skip: number;
  private remaining: number;

  constructor(
    private readonly key: Buffer,
    private readonly segmentSize: number,
    private index: number,
    private readonly last: number,
    private readonly total: number,
    skip: number,
    length: number,
  ) {
    super();
    this.skip = skip;
    this.remaining = length;
  }

  private emitSegment(sealed: Buffer): void {
    const plain = open(this.key, this.index, this.index === this.total - 1, sealed);
    this.index++;
    const part = plain.subarray(this.skip, this.skip + this.remaining);
    this.skip = Math.max(0, this.skip - plain.length);
    this.remaining -= part.length;
    if (part.length > 0) this.push(part);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered.push(chunk);
    this.bufferedLength += chunk.length;
    const sealedSize = this.segmentSize + TAG;
    try {
      while (this.bufferedLength >= sealedSize && this.index < this.last) {
        const all = Buffer.concat(this.buffered);
        this.emitSegment(all.subarray(0, sealedSize));
        this.buffered = [all.subarray(sealedSize)];
        this.bufferedLength = all.length - sealedSize;
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.index !== this.last) throw FileErrors.integrity('encrypted object is truncated');
      const rest = Buffer.concat(this.buffered);
      if (
        this.index === this.total - 1
          ? rest.length > this.segmentSize + TAG
          : rest.length !== this.segmentSize + TAG
      )
        throw FileErrors.integrity('unexpected segment length');
      this.emitSegment(rest);
      if (this.remaining !== 0) throw FileErrors.integrity('encrypted object is truncated');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

interface EncUploadState {
  header: string;
  segments: number;
  /** The plaintext not yet sealed (at most one segment), sealed with the data key and a random nonce. */
  tail: string;
  plainOffset: number;
  innerOffset: number;
  hash: Sha256State;
  finalAppended: boolean;
}

interface WrappedMeta {
  enc: EncUploadState;
  user: UploadMeta;
}

export class EncryptedFileStorage implements FileStorage {
  readonly kind: 'local' | 's3';
  private readonly keyId: Buffer;

  constructor(
    private readonly inner: FileStorage,
    private readonly masterKey: Buffer,
    private readonly segmentSize = DEFAULT_SEGMENT_SIZE,
  ) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.kind = inner.kind;
    this.keyId = crypto
      .createHash('sha256')
      .update('srp-files-master-key-id')
      .update(masterKey)
      .digest()
      .subarray(0, 8);
  }

  private newHeader(): { header: Buffer; dataKey: Buffer } {
    const dataKey = crypto.randomBytes(32);
    const aad = Buffer.alloc(AAD_SIZE);
    MAGIC.copy(aad, 0);
    aad[4] = 1;
    aad.writeUInt32BE(this.segmentSize, 5);
    this.keyId.copy(aad, 9);
    const wrapNonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.masterKey, wrapNonce);
    cipher.setAAD(aad);
    const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { header: Buffer.concat([aad, wrapNonce, wrapped, cipher.getAuthTag()]), dataKey };
  }

  private unwrap(header: Buffer): { dataKey: Buffer; segmentSize: number } {
    if (header.length < HEADER_SIZE || !header.subarray(0, 4).equals(MAGIC) || header[4] !== 1)
      throw FileErrors.integrity('not an encrypted object');
    if (!header.subarray(9, 17).equals(this.keyId))
      throw FileErrors.integrity('encrypted with another master key');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.masterKey, header.subarray(17, 29));
    decipher.setAAD(header.subarray(0, AAD_SIZE));
    decipher.setAuthTag(header.subarray(61, 77));
    try {
      const dataKey = Buffer.concat([decipher.update(header.subarray(29, 61)), decipher.final()]);
      return { dataKey, segmentSize: header.readUInt32BE(5) };
    } catch {
      throw FileErrors.integrity('data key failed authentication');
    }
  }

  private plain<T extends { size: number; sha256?: string }>(info: T): T {
    const { sha256: _, ...rest } = info;
    return { ...rest, size: plainSize(info.size, this.segmentSize) } as T;
  }

  async put(key: string, content: Readable, options: PutOptions = {}): Promise<PutResult> {
    checkExpectation(options);
    const { header, dataKey } = this.newHeader();
    const meter = new Meter(options);
    const encryptor = new SegmentEncryptor(dataKey, this.segmentSize, 0, header, Buffer.alloc(0), true);
    const result = await both(
      this.inner.put(key, encryptor, options.contentType ? { contentType: options.contentType } : {}),
      pipeline(content, meter, encryptor),
      () => {
        encryptor.destroy();
        content.destroy();
      },
    );
    return { size: meter.bytes, sha256: meter.sha256, etag: result.etag };
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<GetResult> {
    const head = await this.inner.get(key, { range: { start: 0, end: HEADER_SIZE - 1 } });
    const headerBytes = await readAll(head.stream);
    const { dataKey, segmentSize } = this.unwrap(headerBytes);
    if (segmentSize !== this.segmentSize) throw FileErrors.integrity('unexpected segment size');
    const size = plainSize(head.size, segmentSize);
    const range = resolveRange(options.range, size);
    const total = segmentCount(size, segmentSize);
    const first = range.length === 0 ? 0 : Math.floor(range.start / segmentSize);
    const last = range.length === 0 ? 0 : Math.floor(range.end / segmentSize);
    const sealed = segmentSize + TAG;
    const inner = await this.inner.get(key, {
      range: {
        start: HEADER_SIZE + first * sealed,
        end: Math.min(HEADER_SIZE + (last + 1) * sealed, head.size) - 1,
      },
    });
    if (inner.etag !== head.etag) {
      inner.stream.destroy();
      throw FileErrors.integrity('the object changed while reading');
    }
    const decryptor = new SegmentDecryptor(
      dataKey,
      segmentSize,
      first,
      last,
      total,
      range.start - first * segmentSize,
      range.length,
    );
    inner.stream.on('error', (error) => decryptor.destroy(error));
    const { sha256: _, ...rest } = inner;
    return { ...rest, size, range, stream: inner.stream.pipe(decryptor) };
  }

  async stat(key: string): Promise<FileInfo | null> {
    const info = await this.inner.stat(key);
    return info && this.plain(info);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  async copy(from: string, to: string): Promise<FileInfo> {
    // The data key is not bound to the key, so the stored bytes can be copied as they are.
    return this.plain(await this.inner.copy(from, to));
  }

  async list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage> {
    const page = await this.inner.list(prefix, options);
    return { ...page, items: page.items.map((item) => this.plain(item)) };
  }

  // --- resumable uploads ---

  private sealTail(dataKey: Buffer, tail: Buffer): string {
    const n = crypto.randomBytes(12);
    n[8] = 0xff; // never equal to a segment nonce (their bytes 8..10 are zero)
    const cipher = crypto.createCipheriv('aes-256-gcm', dataKey, n);
    return Buffer.concat([n, cipher.update(tail), cipher.final(), cipher.getAuthTag()]).toString('base64');
  }

  private openTail(dataKey: Buffer, sealed: string): Buffer {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - TAG)), decipher.final()]);
    } catch {
      throw FileErrors.integrity('upload state failed authentication');
    }
  }

  private state(info: UploadInfo): WrappedMeta {
    const meta = info.meta as Partial<WrappedMeta>;
    if (!meta.enc) throw FileErrors.integrity('upload without encryption state');
    return { enc: meta.enc, user: meta.user ?? {} };
  }

  private outer(info: UploadInfo, state: WrappedMeta): UploadInfo {
    return { ...info, offset: state.enc.plainOffset, meta: state.user };
  }

  async createUpload(
    key: string,
    options: { contentType?: string; meta?: UploadMeta } = {},
  ): Promise<UploadInfo> {
    const { header, dataKey } = this.newHeader();
    const enc: EncUploadState = {
      header: header.toString('base64'),
      segments: 0,
      tail: this.sealTail(dataKey, Buffer.alloc(0)),
      plainOffset: 0,
      innerOffset: header.length,
      hash: new ResumableSha256().save(),
      finalAppended: false,
    };
    const meta: WrappedMeta = { enc, user: options.meta ?? {} };
    const created = await this.inner.createUpload(key, {
      ...(options.contentType ? { contentType: options.contentType } : {}),
      meta: { ...meta, enc: { ...enc, innerOffset: 0 } },
    });
    const info = await this.inner.appendUpload(created.uploadId, Readable.from([header]), {
      offset: 0,
      meta: () => ({ ...meta }),
    });
    return this.outer(info, meta);
  }

  async getUpload(uploadId: string): Promise<UploadInfo> {
    const info = await this.inner.getUpload(uploadId);
    return this.outer(info, this.state(info));
  }

  async appendUpload(uploadId: string, content: Readable, options: AppendOptions): Promise<UploadInfo> {
    const info = await this.inner.getUpload(uploadId);
    const { enc, user } = this.state(info);
    if (options.offset !== enc.plainOffset || enc.finalAppended) {
      content.resume();
      throw FileErrors.offsetMismatch(enc.plainOffset, options.offset);
    }
    const { dataKey } = this.unwrap(Buffer.from(enc.header, 'base64'));
    const tail = this.openTail(dataKey, enc.tail);
    const hasher = new ResumableSha256(enc.hash);
    const meter = new Meter({}, hasher);
    const encryptor = new SegmentEncryptor(dataKey, this.segmentSize, enc.segments, null, tail, false);
    let next: WrappedMeta | undefined;
    const result = await both(
      this.inner.appendUpload(uploadId, encryptor, {
        offset: enc.innerOffset,
        meta: () => {
          const sealedNow = encryptor.segmentsDone - enc.segments;
          next = {
            user: options.meta ? options.meta() : user,
            enc: {
              ...enc,
              segments: encryptor.segmentsDone,
              tail: this.sealTail(dataKey, encryptor.rest),
              plainOffset: enc.plainOffset + meter.bytes,
              innerOffset: enc.innerOffset + sealedNow * (this.segmentSize + TAG),
              hash: hasher.save(),
            },
          };
          return { ...next };
        },
      }),
      pipeline(content, meter, encryptor),
      () => {
        encryptor.destroy();
        content.destroy();
      },
    );
    return this.outer(result, next!);
  }

  async completeUpload(
    uploadId: string,
    options: { size?: number; sha256?: string } = {},
  ): Promise<PutResult> {
    checkExpectation(options);
    const info = await this.inner.getUpload(uploadId);
    const { enc, user } = this.state(info);
    const sha256 = new ResumableSha256(enc.hash).digestHex();
    verify(options, enc.plainOffset, sha256);
    if (!enc.finalAppended) {
      const { dataKey } = this.unwrap(Buffer.from(enc.header, 'base64'));
      const last = seal(dataKey, enc.segments, true, this.openTail(dataKey, enc.tail));
      await this.inner.appendUpload(uploadId, Readable.from([last]), {
        offset: enc.innerOffset,
        meta: () => ({
          user,
          enc: { ...enc, finalAppended: true, innerOffset: enc.innerOffset + last.length },
        }),
      });
    }
    const result = await this.inner.completeUpload(uploadId);
    return { size: enc.plainOffset, sha256, etag: result.etag };
  }

  abortUpload(uploadId: string): Promise<void> {
    return this.inner.abortUpload(uploadId);
  }

  abortUploadsOlderThan(before: Date): Promise<number> {
    return this.inner.abortUploadsOlderThan(before);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
