// The one file storage of the platform: a blob store addressed by keys. Folders, names, versions,
// owners and quotas belong to the domains and their tables; this layer only keeps bytes safe.
import type { Readable } from 'node:stream';

export interface PutOptions {
  contentType?: string;
  /** When given, a content of another length is rejected and nothing is stored. */
  size?: number;
  /** Hex SHA-256; when given, other content is rejected and nothing is stored. */
  sha256?: string;
}

export interface PutResult {
  size: number;
  /** Hex SHA-256 of the content: keep it in the domain's table, it is the authoritative hash. */
  sha256: string;
  /** Changes whenever the content changes; quoted like an HTTP ETag. */
  etag: string;
}

export interface FileInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  /** Set when the backend recorded it (always on local disk; on S3 when put() was given the hash). */
  sha256?: string;
  lastModified: Date;
}

/** Inclusive byte offsets as in HTTP Range; end defaults to (and is clamped to) the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetResult extends FileInfo {
  stream: Readable;
  /** The bytes the stream delivers: the whole file, or the clamped range. */
  range: { start: number; end: number; length: number };
}

export interface ListOptions {
  /** The cursor of the previous page. */
  cursor?: string;
  /** 1..1000, default 1000. */
  limit?: number;
}

export interface ListPage {
  items: Omit<FileInfo, 'contentType'>[];
  /** Set when there are more items. */
  cursor?: string;
}

/** Free JSON the caller (or a wrapping storage) keeps with an unfinished upload. */
export type UploadMeta = Record<string, unknown>;

export interface UploadInfo {
  uploadId: string;
  key: string;
  /** Bytes received so far; the next append starts here. */
  offset: number;
  contentType: string;
  createdAt: Date;
  meta: UploadMeta;
}

export interface AppendOptions {
  /** The offset the caller believes the upload is at; another one is rejected (409). */
  offset: number;
  /** Called after the stream ended well; its result replaces the upload's meta in the same commit. */
  meta?: () => UploadMeta;
}

export interface FileStorage {
  readonly kind: 'local' | 's3';
  put(key: string, content: Readable, options?: PutOptions): Promise<PutResult>;
  get(key: string, options?: { range?: ByteRange }): Promise<GetResult>;
  /** Null when there is no such file. */
  stat(key: string): Promise<FileInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing file is fine. */
  delete(key: string): Promise<void>;
  /** Copies content and content type; the copy's sha256 is set when the source's was. */
  copy(from: string, to: string): Promise<FileInfo>;
  /** Keys starting with prefix, in ascending byte order. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;

  /** Resumable upload: the file appears under key only at completeUpload. */
  createUpload(key: string, options?: { contentType?: string; meta?: UploadMeta }): Promise<UploadInfo>;
  getUpload(uploadId: string): Promise<UploadInfo>;
  /** Appends the whole stream at options.offset; a failed append leaves the upload as it was. */
  appendUpload(uploadId: string, content: Readable, options: AppendOptions): Promise<UploadInfo>;
  completeUpload(uploadId: string, options?: { size?: number; sha256?: string }): Promise<PutResult>;
  /** Idempotent. */
  abortUpload(uploadId: string): Promise<void>;
  /** Aborts uploads created before the given time (clean-up of abandoned uploads); returns how many. */
  abortUploadsOlderThan(before: Date): Promise<number>;
}
