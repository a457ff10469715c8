// Files on the local filesystem under DATA_DIR/files. Each object is one file whose trailer holds its
// metadata, so a single rename publishes content and metadata together:
//   objects/<h0h1>/<h2h3>/<sha256(key)>   data bytes | meta JSON | uint32 BE length of the JSON | "SRPF"
//   tmp/                                   writes in progress (same filesystem, so rename is atomic)
//   uploads/<uploadId>/{data,state.json}   resumable uploads
import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileErrors } from './errors.js';
import {
  KeyedLock,
  isNotFound,
  isUploadId,
  randomId,
  readJson,
  syncDir,
  syncFile,
  writeJsonAtomic,
} from './fs-util.js';
import { clampLimit, validateKey, validatePrefix } from './keys.js';
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
import { DEFAULT_CONTENT_TYPE, Meter, checkExpectation, quoteEtag, resolveRange, verify } from './streams.js';

const MAGIC = Buffer.from('SRPF');
const READ_CHUNK = 1024 * 1024;
// Bytes a write may buffer while the previous write is on disk: the request keeps flowing in meanwhile
// and the next write takes all of them in one writev (the default 16 KiB pauses the socket per chunk).
const WRITE_BUFFER = 4 * 1024 * 1024;
const TRAILER_FIXED = 8;

interface ObjectMeta {
  v: 1;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

interface LocalUploadState {
  key: string;
  contentType: string;
  createdAt: string;
  offset: number;
  hash: Sha256State;
  meta: UploadMeta;
}

function trailer(meta: ObjectMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const fixed = Buffer.alloc(TRAILER_FIXED);
  fixed.writeUInt32BE(json.length, 0);
  MAGIC.copy(fixed, 4);
  return Buffer.concat([json, fixed]);
}

async function readTrailer(handle: FileHandle): Promise<{ meta: ObjectMeta; mtime: Date }> {
  const st = await handle.stat();
  if (st.size < TRAILER_FIXED) throw FileErrors.integrity('no trailer');
  const fixed = Buffer.alloc(TRAILER_FIXED);
  await handle.read(fixed, 0, TRAILER_FIXED, st.size - TRAILER_FIXED);
  if (!fixed.subarray(4).equals(MAGIC)) throw FileErrors.integrity('bad trailer');
  const length = fixed.readUInt32BE(0);
  const json = Buffer.alloc(length);
  await handle.read(json, 0, length, st.size - TRAILER_FIXED - length);
  const meta = JSON.parse(json.toString('utf8')) as ObjectMeta;
  if (meta.size !== st.size - TRAILER_FIXED - length) throw FileErrors.integrity('size does not match');
  return { meta, mtime: st.mtime };
}

/**
 * Writes the trailer after the content and makes both durable. fdatasync suffices: it flushes the data
 * and the size and block metadata needed to read it back, only timestamps may be lost on a crash.
 */
async function writeTrailerAndSync(handle: FileHandle, meta: ObjectMeta): Promise<void> {
  await handle.write(trailer(meta), 0, undefined, meta.size);
  await handle.datasync();
}

const etagOf = (sha256: string) => quoteEtag(sha256.slice(0, 32));

function info(meta: ObjectMeta, mtime: Date): FileInfo {
  return {
    key: meta.key,
    size: meta.size,
    contentType: meta.contentType,
    etag: etagOf(meta.sha256),
    sha256: meta.sha256,
    lastModified: mtime,
  };
}

export class LocalFileStorage implements FileStorage {
  readonly kind = 'local' as const;
  private readonly objects: string;
  private readonly tmp: string;
  private readonly uploads: string;
  private readonly locks = new KeyedLock();
  private ready: Promise<void> | undefined;

  /** root: the folder of the storage, normally DATA_DIR/files. */
  constructor(readonly root: string) {
    this.objects = path.join(root, 'objects');
    this.tmp = path.join(root, 'tmp');
    this.uploads = path.join(root, 'uploads');
  }

  private init(): Promise<void> {
    this.ready ??= Promise.all(
      [this.objects, this.tmp, this.uploads].map((d) => fs.mkdir(d, { recursive: true })),
    ).then(() => undefined);
    return this.ready;
  }

  private pathOf(key: string): string {
    const hash = crypto.createHash('sha256').update(key).digest('hex');
    return path.join(this.objects, hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  private async publish(tmpFile: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(tmpFile, target);
    await syncDir(path.dirname(target));
  }

  private async appendTrailerAndSync(file: string, meta: ObjectMeta, truncateTo?: number): Promise<void> {
    const handle = await fs.open(file, 'r+');
    try {
      if (truncateTo !== undefined) await handle.truncate(truncateTo);
      await writeTrailerAndSync(handle, meta);
    } finally {
      await handle.close();
    }
  }

  async put(key: string, content: Readable, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    checkExpectation(options);
    await this.init();
    const tmpFile = path.join(this.tmp, randomId());
    try {
      const meter = new Meter(options);
      await pipeline(
        content,
        meter,
        createWriteStream(tmpFile, { flags: 'wx', highWaterMark: WRITE_BUFFER }),
      );
      const meta: ObjectMeta = {
        v: 1,
        key,
        size: meter.bytes,
        sha256: meter.sha256,
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      };
      await this.appendTrailerAndSync(tmpFile, meta);
      await this.publish(tmpFile, key);
      return { size: meta.size, sha256: meta.sha256, etag: etagOf(meta.sha256) };
    } catch (error) {
      await fs.rm(tmpFile, { force: true });
      throw error;
    }
  }

  private async open(key: string): Promise<FileHandle | null> {
    try {
      return await fs.open(this.pathOf(validateKey(key)), 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<GetResult> {
    const handle = await this.open(key);
    if (!handle) throw FileErrors.notFound();
    try {
      const { meta, mtime } = await readTrailer(handle);
      const range = resolveRange(options.range, meta.size);
      if (range.length === 0) {
        await handle.close();
        return { ...info(meta, mtime), range, stream: Readable.from([]) };
      }
      // Large reads (1 MiB) mean fewer syscalls and socket writes per download; a small file still
      // gets a buffer of its own size only.
      const stream = handle.createReadStream({
        start: range.start,
        end: range.end,
        highWaterMark: READ_CHUNK,
      });
      return { ...info(meta, mtime), range, stream };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<FileInfo | null> {
    const handle = await this.open(key);
    if (!handle) return null;
    try {
      const { meta, mtime } = await readTrailer(handle);
      return info(meta, mtime);
    } finally {
      await handle.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(validateKey(key));
    await fs.rm(file, { force: true });
  }

  async copy(from: string, to: string): Promise<FileInfo> {
    validateKey(to);
    const handle = await this.open(from);
    if (!handle) throw FileErrors.notFound();
    let meta: ObjectMeta;
    try {
      meta = (await readTrailer(handle)).meta;
    } finally {
      await handle.close();
    }
    await this.init();
    const tmpFile = path.join(this.tmp, randomId());
    try {
      // A copy-on-write clone where the filesystem supports it, a plain copy otherwise.
      await fs.copyFile(this.pathOf(from), tmpFile, fs.constants.COPYFILE_FICLONE);
      await this.appendTrailerAndSync(tmpFile, { ...meta, key: to }, meta.size);
      await this.publish(tmpFile, to);
    } catch (error) {
      await fs.rm(tmpFile, { force: true });
      if (isNotFound(error)) throw FileErrors.notFound();
      throw error;
    }
    const copied = await this.stat(to);
    if (!copied) throw FileErrors.notFound();
    return copied;
  }

  /** Scans every object (keys are hashed into the shards): meant for maintenance, not for browsing. */
  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = clampLimit(options.limit);
    const after = options.cursor ? Buffer.from(options.cursor, 'base64url').toString('utf8') : '';
    await this.init();
    const found: FileInfo[] = [];
    for (const a of await fs.readdir(this.objects)) {
      for (const b of await readdirOrEmpty(path.join(this.objects, a))) {
        const dir = path.join(this.objects, a, b);
        for (const name of await readdirOrEmpty(dir)) {
          let handle: FileHandle;
          try {
            handle = await fs.open(path.join(dir, name), 'r');
          } catch (error) {
            if (isNotFound(error)) continue;
            throw error;
          }
          try {
            const { meta, mtime } = await readTrailer(handle);
            if (meta.key.startsWith(prefix) && (after === '' || byteCompare(meta.key, after) > 0))
              found.push(info(meta, mtime));
          } finally {
            await handle.close();
          }
        }
      }
    }
    found.sort((x, y) => byteCompare(x.key, y.key));
    const page = found.slice(0, limit);
    const items = page.map(({ contentType: _, ...rest }) => rest);
    const last = page.at(-1);
    return found.length > limit && last
      ? { items, cursor: Buffer.from(last.key).toString('base64url') }
      : { items };
  }

  // --- resumable uploads ---

  private uploadDir(uploadId: string): string {
    if (!isUploadId(uploadId)) throw FileErrors.uploadNotFound();
    return path.join(this.uploads, uploadId);
  }

  private async readState(uploadId: string): Promise<LocalUploadState> {
    const state = await readJson<LocalUploadState>(path.join(this.uploadDir(uploadId), 'state.json'));
    if (!state) throw FileErrors.uploadNotFound();
    return state;
  }

  async createUpload(
    key: string,
    options: { contentType?: string; meta?: UploadMeta } = {},
  ): Promise<UploadInfo> {
    validateKey(key);
    await this.init();
    const uploadId = randomId();
    const dir = this.uploadDir(uploadId);
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'data'), '');
    const state: LocalUploadState = {
      key,
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      createdAt: new Date().toISOString(),
      offset: 0,
      hash: new ResumableSha256().save(),
      meta: options.meta ?? {},
    };
    await writeJsonAtomic(path.join(dir, 'state.json'), state);
    return uploadInfo(uploadId, state);
  }

  async getUpload(uploadId: string): Promise<UploadInfo> {
    return uploadInfo(uploadId, await this.readState(uploadId));
  }

  async appendUpload(uploadId: string, content: Readable, options: AppendOptions): Promise<UploadInfo> {
    return this.locks.run(uploadId, async () => {
      const state = await this.readState(uploadId);
      if (options.offset !== state.offset) {
        content.resume();
        throw FileErrors.offsetMismatch(state.offset, options.offset);
      }
      const data = path.join(this.uploadDir(uploadId), 'data');
      // Bytes beyond the offset are left-overs of a failed append: drop them.
      await fs.truncate(data, state.offset);
      const hasher = new ResumableSha256(state.hash);
      const meter = new Meter({}, hasher);
      try {
        await pipeline(
          content,
          meter,
          createWriteStream(data, { flags: 'r+', start: state.offset, highWaterMark: WRITE_BUFFER }),
        );
        await syncFile(data);
        const next: LocalUploadState = {
          ...state,
          offset: state.offset + meter.bytes,
          hash: hasher.save(),
          meta: options.meta ? options.meta() : state.meta,
        };
        await writeJsonAtomic(path.join(this.uploadDir(uploadId), 'state.json'), next);
        return uploadInfo(uploadId, next);
      } catch (error) {
        await fs.truncate(data, state.offset).catch(() => undefined);
        throw error;
      }
    });
  }

  async completeUpload(
    uploadId: string,
    options: { size?: number; sha256?: string } = {},
  ): Promise<PutResult> {
    checkExpectation(options);
    return this.locks.run(uploadId, async () => {
      const state = await this.readState(uploadId);
      const sha256 = new ResumableSha256(state.hash).digestHex();
      verify(options, state.offset, sha256);
      const dir = this.uploadDir(uploadId);
      const data = path.join(dir, 'data');
      const meta: ObjectMeta = {
        v: 1,
        key: state.key,
        size: state.offset,
        sha256,
        contentType: state.contentType,
      };
      await this.appendTrailerAndSync(data, meta, state.offset);
      await this.publish(data, state.key);
      await fs.rm(dir, { recursive: true, force: true });
      return { size: meta.size, sha256, etag: etagOf(sha256) };
    });
  }

  async abortUpload(uploadId: string): Promise<void> {
    if (!isUploadId(uploadId)) return;
    await this.locks.run(uploadId, () => fs.rm(this.uploadDir(uploadId), { recursive: true, force: true }));
  }

  async abortUploadsOlderThan(before: Date): Promise<number> {
    await this.init();
    let count = 0;
    for (const id of await fs.readdir(this.uploads)) {
      if (!isUploadId(id)) continue;
      const state = await readJson<LocalUploadState>(path.join(this.uploads, id, 'state.json'));
      const created = state ? new Date(state.createdAt) : (await fs.stat(path.join(this.uploads, id))).mtime;
      if (created < before) {
        await this.abortUpload(id);
        count++;
      }
    }
    // Temporary files of writes that a crash interrupted.
    for (const name of await fs.readdir(this.tmp)) {
      const file = path.join(this.tmp, name);
      const st = await fs.stat(file).catch(() => null);
      if (st && st.mtime < before) await fs.rm(file, { force: true });
    }
    return count;
  }
}

export function uploadInfo(
  uploadId: string,
  state: { key: string; contentType: string; createdAt: string; offset: number; meta: UploadMeta },
): UploadInfo {
  return {
    uploadId,
    key: state.key,
    offset: state.offset,
    contentType: state.contentType,
    createdAt: new Date(state.createdAt),
    meta: state.meta,
  };
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** S3 lists keys in UTF-8 byte order; keys here are ASCII, where that equals code unit order. */
export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
