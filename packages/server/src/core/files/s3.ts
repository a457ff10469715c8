// Files in an S3-compatible object store. put() streams through lib-storage's Upload (bounded memory:
// queueSize parts in flight). Resumable uploads map to an S3 multipart upload whose parts are first
// gathered in a local staging folder (S3 wants parts of at least 5 MiB except the last), never in memory.
import { createReadStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { FileErrors } from './errors.js';
import { KeyedLock, isUploadId, randomId, readJson, syncFile, writeJsonAtomic } from './fs-util.js';
import { clampLimit, validateKey, validatePrefix } from './keys.js';
import { uploadInfo } from './local.js';
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
import {
  DEFAULT_CONTENT_TYPE,
  Meter,
  Slice,
  both,
  checkExpectation,
  resolveRange,
  verify,
} from './streams.js';

const MiB = 1024 * 1024;
const MAX_COPY = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Local folder for parts of resumable uploads on their way to S3 (DATA_DIR/files-staging). */
  stagingDir: string;
  /** Minimum part size; at least 5 MiB. Parts grow (doubling every 1000 parts) so 10,000 parts reach TBs. */
  partSize?: number;
}

interface S3UploadState {
  key: string;
  contentType: string;
  createdAt: string;
  offset: number;
  hash: Sha256State;
  meta: UploadMeta;
  s3UploadId: string;
  parts: { PartNumber: number; ETag: string; size: number }[];
  /** File in the staging folder with the bytes not yet sent as a part. */
  tail: string;
  tailSize: number;
}

function isS3NotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export class S3FileStorage implements FileStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly staging: string;
  private readonly partSize: number;
  private readonly locks = new KeyedLock();

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.staging = options.stagingDir;
    this.partSize = Math.max(options.partSize ?? 8 * MiB, 5 * MiB);
  }

  /** The size the part with this number must reach before it is sent (except the last). */
  private partThreshold(partNumber: number): number {
    return this.partSize * 2 ** Math.floor((partNumber - 1) / 1000);
  }

  async put(key: string, content: Readable, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    checkExpectation(options);
    const meter = new Meter(options);
    const piping = pipeline(content, meter);
    const partSize =
      options.size !== undefined
        ? Math.max(this.partSize, Math.ceil(options.size / (MAX_PARTS - 1)))
        : this.partSize;
    const upload = new Upload({
      client: this.client,
      queueSize: 2,
      partSize,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: meter,
        ContentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        ...(options.sha256 ? { Metadata: { sha256: options.sha256.toLowerCase() } } : {}),
      },
    });
    const result = await both(upload.done(), piping, () => {
      meter.destroy();
      content.destroy();
    });
    return { size: meter.bytes, sha256: meter.sha256, etag: result.ETag ?? '' };
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<GetResult> {
    validateKey(key);
    let rangeHeader: string | undefined;
    let ifMatch: string | undefined;
    let range: GetResult['range'] | undefined;
    if (options.range) {
      const head = await this.stat(key);
      if (!head) throw FileErrors.notFound();
      range = resolveRange(options.range, head.size);
      rangeHeader = `bytes=${range.start}-${range.end}`;
      ifMatch = head.etag;
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: rangeHeader, IfMatch: ifMatch }),
      );
      let stream = out.Body as Readable;
      let total = out.ContentLength ?? 0;
      if (range) {
        // Some S3-compatible servers answer a range with more than was asked for (or the whole object):
        // cut the wanted bytes out of what arrives.
        const sent = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
        const sentStart = sent ? Number(sent[1]) : 0;
        const sentEnd = sent ? Number(sent[2]) : total - 1;
        if (sent) total = Number(sent[3]);
        if (sentStart > range.start || sentEnd < range.end) {
          stream.destroy();
          throw new Error(
            `the S3 server answered range ${range.start}-${range.end} with ${out.ContentRange}`,
          );
        }
        if (sentStart !== range.start || sentEnd !== range.end) {
          const slice = new Slice(range.start - sentStart, range.length);
          stream.on('error', (error) => slice.destroy(error));
          stream = stream.pipe(slice);
        }
      }
      return {
        key,
        size: total,
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        etag: out.ETag ?? '',
        ...(out.Metadata?.sha256 ? { sha256: out.Metadata.sha256 } : {}),
        lastModified: out.LastModified ?? new Date(0),
        range: range ?? { start: 0, end: total - 1, length: total },
        stream,
      };
    } catch (error) {
      if (isS3NotFound(error)) throw FileErrors.notFound();
      throw error;
    }
  }

  async stat(key: string): Promise<FileInfo | null> {
    validateKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
        etag: out.ETag ?? '',
        ...(out.Metadata?.sha256 ? { sha256: out.Metadata.sha256 } : {}),
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(from: string, to: string): Promise<FileInfo> {
    validateKey(to);
    const source = await this.stat(from);
    if (!source) throw FileErrors.notFound();
    const copySource = `${this.bucket}/${from}`;
    let etag: string;
    if (source.size <= MAX_COPY) {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: copySource,
          CopySourceIfMatch: source.etag,
        }),
      );
      etag = out.CopyObjectResult?.ETag ?? '';
    } else {
      etag = await this.multipartCopy(copySource, to, source);
    }
    const copied = await this.stat(to);
    return { ...(copied ?? source), key: to, etag: copied?.etag ?? etag };
  }

  /** CopyObject stops at 5 GiB; larger objects are copied part by part on the server. */
  private async multipartCopy(copySource: string, to: string, source: FileInfo): Promise<string> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: to,
        ContentType: source.contentType,
        ...(source.sha256 ? { Metadata: { sha256: source.sha256 } } : {}),
      }),
    );
    const uploadId = created.UploadId!;
    try {
      const partSize = Math.max(this.partSize, Math.ceil(source.size / (MAX_PARTS - 1)), 512 * MiB);
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, n = 1; start < source.size; start += partSize, n++) {
        const end = Math.min(start + partSize, source.size) - 1;
        const out = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId: uploadId,
            PartNumber: n,
            CopySource: copySource,
            CopySourceIfMatch: source.etag,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: n, ETag: out.CopyPartResult?.ETag ?? '' });
      }
      const done = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return done.ETag ?? '';
    } catch (error) {
      await this.abortMultipart(to, uploadId);
      throw error;
    }
  }

  async list(prefix: string, options: { cursor?: string; limit?: number } = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = clampLimit(options.limit);
    const out = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        MaxKeys: limit,
        ...(options.cursor ? { ContinuationToken: options.cursor } : {}),
      }),
    );
    const items = (out.Contents ?? []).map((o) => ({
      key: o.Key ?? '',
      size: o.Size ?? 0,
      etag: o.ETag ?? '',
      lastModified: o.LastModified ?? new Date(0),
    }));
    return out.IsTruncated && out.NextContinuationToken
      ? { items, cursor: out.NextContinuationToken }
      : { items };
  }

  // --- resumable uploads ---

  private dir(uploadId: string): string {
    if (!isUploadId(uploadId)) throw FileErrors.uploadNotFound();
    return path.join(this.staging, uploadId);
  }

  private async readState(uploadId: string): Promise<S3UploadState> {
    const state = await readJson<S3UploadState>(path.join(this.dir(uploadId), 'state.json'));
    if (!state) throw FileErrors.uploadNotFound();
    return state;
  }

  async createUpload(
    key: string,
    options: { contentType?: string; meta?: UploadMeta } = {},
  ): Promise<UploadInfo> {
    validateKey(key);
    const uploadId = randomId();
    const dir = this.dir(uploadId);
    await fs.mkdir(dir, { recursive: true });
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    try {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
      );
      const tail = `tail-${randomId()}`;
      await fs.writeFile(path.join(dir, tail), '');
      const state: S3UploadState = {
        key,
        contentType,
        createdAt: new Date().toISOString(),
        offset: 0,
        hash: new ResumableSha256().save(),
        meta: options.meta ?? {},
        s3UploadId: created.UploadId!,
        parts: [],
        tail,
        tailSize: 0,
      };
      await writeJsonAtomic(path.join(dir, 'state.json'), state);
      return uploadInfo(uploadId, state);
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  async getUpload(uploadId: string): Promise<UploadInfo> {
    return uploadInfo(uploadId, await this.readState(uploadId));
  }

  private async sendPart(state: S3UploadState, partNumber: number, file: string, size: number) {
    const out = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: state.key,
        UploadId: state.s3UploadId,
        PartNumber: partNumber,
        Body: createReadStream(file),
        ContentLength: size,
      }),
    );
    return { PartNumber: partNumber, ETag: out.ETag ?? '', size };
  }

  async appendUpload(uploadId: string, content: Readable, options: AppendOptions): Promise<UploadInfo> {
    return this.locks.run(uploadId, async () => {
      const state = await this.readState(uploadId);
      if (options.offset !== state.offset) {
        content.resume();
        throw FileErrors.offsetMismatch(state.offset, options.offset);
      }
      const dir = this.dir(uploadId);
      // The previous tail stays untouched until the new state is committed; we continue in a copy.
      const created: string[] = [];
      const newTailFile = async (copyFrom?: string) => {
        const name = `tail-${randomId()}`;
        created.push(name);
        if (copyFrom) await fs.copyFile(path.join(dir, copyFrom), path.join(dir, name));
        else await fs.writeFile(path.join(dir, name), '');
        return name;
      };
      let tail = await newTailFile(state.tail);
      let tailSize = state.tailSize;
      let handle: FileHandle | null = await fs.open(path.join(dir, tail), 'r+');
      const parts = [...state.parts];
      const flushPart = async () => {
        await handle!.close();
        handle = null;
        parts.push(await this.sendPart(state, parts.length + 1, path.join(dir, tail), tailSize));
        tail = await newTailFile();
        tailSize = 0;
        handle = await fs.open(path.join(dir, tail), 'r+');
      };
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          (async () => {
            await handle!.write(chunk, 0, chunk.length, tailSize);
            tailSize += chunk.length;
            if (tailSize >= this.partThreshold(parts.length + 1)) await flushPart();
          })().then(() => callback(), callback);
        },
      });
      const hasher = new ResumableSha256(state.hash);
      const meter = new Meter({}, hasher);
      try {
        await pipeline(content, meter, sink);
        await handle.close();
        handle = null;
        await syncFile(path.join(dir, tail));
        const next: S3UploadState = {
          ...state,
          offset: state.offset + meter.bytes,
          hash: hasher.save(),
          meta: options.meta ? options.meta() : state.meta,
          parts,
          tail,
          tailSize,
        };
        await writeJsonAtomic(path.join(dir, 'state.json'), next);
        await Promise.all(
          [state.tail, ...created.filter((n) => n !== tail)].map((n) =>
            fs.rm(path.join(dir, n), { force: true }),
          ),
        );
        return uploadInfo(uploadId, next);
      } catch (error) {
        // Parts sent during a failed append are overwritten by the next append's parts (same numbers)
        // or left out of the completed object.
        await handle?.close().catch(() => undefined);
        await Promise.all(created.map((n) => fs.rm(path.join(dir, n), { force: true })));
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
      const dir = this.dir(uploadId);
      const tailFile = path.join(dir, state.tail);
      let etag: string;
      if (state.parts.length === 0) {
        // Small upload: one plain PUT; the multipart upload is not needed.
        const out = await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: state.key,
            Body: createReadStream(tailFile),
            ContentLength: state.tailSize,
            ContentType: state.contentType,
          }),
        );
        etag = out.ETag ?? '';
        await this.abortMultipart(state.key, state.s3UploadId);
      } else {
        const parts = [...state.parts];
        if (state.tailSize > 0)
          parts.push(await this.sendPart(state, parts.length + 1, tailFile, state.tailSize));
        const out = await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: state.key,
            UploadId: state.s3UploadId,
            MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
          }),
        );
        etag = out.ETag ?? '';
      }
      await fs.rm(dir, { recursive: true, force: true });
      return { size: state.offset, sha256, etag };
    });
  }

  private async abortMultipart(key: string, s3UploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: s3UploadId }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchUpload' && !isS3NotFound(error)) throw error;
    }
  }

  async abortUpload(uploadId: string): Promise<void> {
    if (!isUploadId(uploadId)) return;
    await this.locks.run(uploadId, async () => {
      const state = await readJson<S3UploadState>(path.join(this.dir(uploadId), 'state.json'));
      if (state) await this.abortMultipart(state.key, state.s3UploadId);
      await fs.rm(this.dir(uploadId), { recursive: true, force: true });
    });
  }

  async abortUploadsOlderThan(before: Date): Promise<number> {
    let ids: string[];
    try {
      ids = await fs.readdir(this.staging);
    } catch {
      return 0;
    }
    let count = 0;
    for (const id of ids.filter(isUploadId)) {
      const state = await readJson<S3UploadState>(path.join(this.staging, id, 'state.json'));
      const created = state ? new Date(state.createdAt) : (await fs.stat(path.join(this.staging, id))).mtime;
      if (created < before) {
        await this.abortUpload(id);
        count++;
      }
    }
    return count;
  }
}
