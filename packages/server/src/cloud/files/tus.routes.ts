// Resumable uploads into the club file tree with the tus protocol 1.0 (core, creation, termination) at
// /api/cloud/uploads/. Bytes stream into a resumable upload of ctx.files; when the last byte arrives the
// blob becomes the file's content through CloudFilesService.commitStored (quota, versions). Upload-Length
// is checked against the club's free quota at creation, so a too large file is refused before a byte.
import { randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { AppError, Errors } from '../../core/errors.js';
import { FileErrors } from '../../core/files/errors.js';
import type { UploadInfo } from '../../core/files/storage.js';
import { authorizeNode, clubFiles } from './authorize.js';
import { ClubErrors } from '../clubs.service.js';
import { assertValidName, guessContentType } from './files.service.js';
import { UploadsRepository } from './uploads.repository.js';

export const TUS_PREFIX = '/api/cloud/uploads';
const TUS_VERSION = '1.0.0';
const TUS_CONTENT_TYPE = 'application/offset+octet-stream';
/** The largest upload announced in OPTIONS (the club quota limits each upload further). */
const MAX_SIZE = 2 ** 50;
/** A PATCH holds the upload's lock this long and renews it while it runs; a crash frees it after. */
const LOCK_SECONDS = 120;

const TusErrors = {
  version: () => new AppError('tus_version_unsupported', 412, 'Tus-Resumable 1.0.0 is required'),
  length: () => new AppError('tus_length_invalid', 400, 'Upload-Length must be a non-negative integer'),
  metadata: () =>
    new AppError('tus_metadata_invalid', 400, 'Upload-Metadata needs filename, clubId and folderId'),
  contentType: () => new AppError('tus_content_type', 415, `PATCH needs Content-Type ${TUS_CONTENT_TYPE}`),
  offset: () => new AppError('tus_offset_invalid', 400, 'Upload-Offset must be a non-negative integer'),
  tooLarge: () => new AppError('tus_too_large', 413, 'More bytes than the announced Upload-Length'),
  locked: () => new AppError('tus_upload_locked', 423, 'Another request is writing into this upload'),
};

/** What the upload keeps until it completes (stored as the storage upload's meta). */
interface UploadMeta {
  clubId: string;
  folderId: string;
  name: string;
  length: number;
  userId: string;
}

export function tusRoutes(ctx: AppContext) {
  const files = ctx.cloudFiles;
  const uploads = new UploadsRepository(ctx.db);

  /** Runs fn holding the upload's lock (renewed while it runs); 423 when another request holds it. */
  async function locked<T>(uploadId: string, meta: UploadMeta, fn: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    if (!(await uploads.lock(uploadId, meta.clubId, meta.userId, token, LOCK_SECONDS)))
      throw TusErrors.locked();
    const renewal = setInterval(
      () => void uploads.renew(uploadId, token, LOCK_SECONDS).catch(() => undefined),
      (LOCK_SECONDS * 1000) / 3,
    );
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      await uploads.unlock(uploadId, token);
    }
  }

  function assertVersion(request: FastifyRequest) {
    if (request.headers['tus-resumable'] !== TUS_VERSION) throw TusErrors.version();
  }

  /** The upload and its meta, for its creator only (others get 404). */
  async function ownUpload(request: FastifyRequest<{ Params: { uploadId: string } }>) {
    const principal = requirePrincipal(request.principal);
    let info: UploadInfo;
    try {
      info = await ctx.files.getUpload(request.params.uploadId);
    } catch {
      throw Errors.notFound('Upload');
    }
    const meta = info.meta as unknown as UploadMeta;
    if (meta.userId !== principal.userId) throw Errors.notFound('Upload');
    return { principal, info, meta };
  }

  /** The club and target folder, checked against the caller's current file right. */
  async function target(userId: string, meta: Pick<UploadMeta, 'clubId' | 'folderId'>) {
    const { club, view } = await clubFiles(ctx, userId, meta.clubId);
    const folder = await files.get(club, meta.folderId);
    if (folder.deleted_at || folder.kind !== 'folder') throw Errors.notFound('Folder');
    await authorizeNode(view, folder, 'write');
    return { club, folder };
  }

  /** Moves the finished upload into the file tree. */
  async function complete(uploadId: string, meta: UploadMeta) {
    const { club, folder } = await target(meta.userId, meta);
    const info = await ctx.files.getUpload(uploadId);
    const stored = await ctx.files.completeUpload(uploadId, { size: meta.length });
    return files.commitStored(
      club,
      folder,
      meta.name,
      { key: info.key, size: stored.size, sha256: stored.sha256, contentType: info.contentType },
      meta.userId,
    );
  }

  const common = (reply: FastifyReply) =>
    reply.header('tus-resumable', TUS_VERSION).header('cache-control', 'no-store');

  return async (app: FastifyInstance) => {
    // PATCH bodies stay streams: they go to storage as they arrive, at any size.
    app.addContentTypeParser(TUS_CONTENT_TYPE, (_request, payload, done) => done(null, payload));
    app.addHook('onSend', async (_request, reply) => {
      reply.header('tus-resumable', TUS_VERSION);
    });
    app.addHook('onError', async (request) => {
      (request.body as Readable | undefined)?.resume?.();
    });

    app.options(TUS_PREFIX, { schema: { hide: true } }, async (_request, reply) =>
      common(reply)
        .header('tus-version', TUS_VERSION)
        .header('tus-extension', 'creation,termination')
        .header('tus-max-size', String(MAX_SIZE))
        .code(204)
        .send(),
    );

    app.post(TUS_PREFIX, { schema: { hide: true } }, async (request, reply) => {
      assertVersion(request);
      const principal = requirePrincipal(request.principal);
      const length = parseCount(request.headers['upload-length'], TusErrors.length);
      const metadata = parseMetadata(header(request, 'upload-metadata'));
      const name = metadata.filename ?? metadata.name;
      if (!name || !metadata.clubId || !metadata.folderId) throw TusErrors.metadata();
      assertValidName(name);
      const { club, folder } = await target(principal.userId, {
        clubId: metadata.clubId,
        folderId: metadata.folderId,
      });
      if (length > (await files.available(club))) throw ClubErrors.quotaExceeded();
      const meta: UploadMeta = {
        clubId: club.id,
        folderId: folder.id,
        name,
        length,
        userId: principal.userId,
      };
      const upload = await ctx.files.createUpload(files.blobKeyFor(club), {
        contentType: metadata.filetype || guessContentType(name),
        meta: { ...meta },
      });
      await uploads.insert(upload.uploadId, club.id, principal.userId);
      if (length === 0) {
        await complete(upload.uploadId, meta);
        await uploads.delete(upload.uploadId);
      }
      return common(reply)
        .code(201)
        .header('location', `${TUS_PREFIX}/${upload.uploadId}`)
        .header('upload-offset', '0')
        .send();
    });

    app.head<{ Params: { uploadId: string } }>(
      `${TUS_PREFIX}/:uploadId`,
      { schema: { hide: true } },
      async (request, reply) => {
        assertVersion(request);
        const { info, meta } = await ownUpload(request);
        return common(reply)
          .code(200)
          .header('upload-offset', String(info.offset))
          .header('upload-length', String(meta.length))
          .send();
      },
    );

    app.patch<{ Params: { uploadId: string } }>(
      `${TUS_PREFIX}/:uploadId`,
      { schema: { hide: true } },
      async (request, reply) => {
        assertVersion(request);
        if (request.headers['content-type'] !== TUS_CONTENT_TYPE) throw TusErrors.contentType();
        const offset = parseCount(request.headers['upload-offset'], TusErrors.offset);
        const { info, meta } = await ownUpload(request);
        const body = request.body as Readable;
        if (offset !== info.offset) throw FileErrors.offsetMismatch(info.offset, offset);
        // Two requests writing into one upload at once (a retrying client, two tabs) would interleave
        // their bytes: the second is refused while the first runs.
        const updated = await locked(info.uploadId, meta, async () => {
          const limited = new Limit(meta.length - offset);
          // pipeline carries a broken connection into the storage's stream (the append fails and the
          // upload stays at its offset) without leaving an unhandled stream error behind.
          pipeline(body, limited, () => {});
          const result = await ctx.files.appendUpload(info.uploadId, limited, { offset });
          if (result.offset === meta.length) await complete(info.uploadId, meta);
          return result;
        });
        if (updated.offset === meta.length) await uploads.delete(info.uploadId);
        return common(reply).code(204).header('upload-offset', String(updated.offset)).send();
      },
    );

    app.delete<{ Params: { uploadId: string } }>(
      `${TUS_PREFIX}/:uploadId`,
      { schema: { hide: true } },
      async (request, reply) => {
        assertVersion(request);
        const { info, meta } = await ownUpload(request);
        await locked(info.uploadId, meta, () => ctx.files.abortUpload(info.uploadId));
        await uploads.delete(info.uploadId);
        return common(reply).code(204).send();
      },
    );
  };
}

/** Fails the stream when more than max bytes arrive (a client sending past Upload-Length). */
class Limit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.seen += chunk.length;
    if (this.seen > this.max) return callback(TusErrors.tooLarge());
    callback(null, chunk);
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseCount(value: string | string[] | undefined, error: () => AppError): number {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) throw error();
  return Number(value);
}

/** Upload-Metadata: comma-separated "key base64value" pairs. */
export function parseMetadata(value: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (!value) return result;
  for (const pair of value.split(',')) {
    const [key, encoded] = pair.trim().split(' ');
    if (!key) continue;
    result[key] = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  }
  return result;
}
