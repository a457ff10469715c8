// Stream helpers shared by the storages: measuring and verifying content as it passes, byte ranges.
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Errors } from '../errors.js';
import { FileErrors } from './errors.js';
import type { ByteRange } from './storage.js';
import type { ResumableSha256 } from './sha256.js';

export interface Expectation {
  size?: number;
  sha256?: string;
}

/**
 * Counts and hashes the bytes that flow through. It fails the stream as soon as more bytes than the
 * expected size arrive, and at the end when the size or the hash differ: the writer downstream sees an
 * error instead of an end, so it never commits wrong content.
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash: { update(data: Uint8Array): unknown };
  private digest: string | undefined;

  constructor(
    private readonly expected: Expectation = {},
    private readonly resumable?: ResumableSha256,
    private readonly startOffset = 0,
  ) {
    super();
    this.hash = resumable ?? crypto.createHash('sha256');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected.size !== undefined && this.startOffset + this.bytes > this.expected.size) {
      callback(FileErrors.sizeMismatch(this.expected.size, this.startOffset + this.bytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.resumable) {
      callback();
      return;
    }
    const digest = (this.hash as crypto.Hash).digest('hex');
    this.digest = digest;
    try {
      verify(this.expected, this.bytes, digest);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  get sha256(): string {
    if (this.digest === undefined) throw new Error('the stream has not ended');
    return this.digest;
  }
}

export function verify(expected: Expectation, size: number, sha256: string): void {
  if (expected.size !== undefined && expected.size !== size)
    throw FileErrors.sizeMismatch(expected.size, size);
  if (expected.sha256 !== undefined && expected.sha256.toLowerCase() !== sha256)
    throw FileErrors.checksumMismatch();
}

export function checkExpectation(expected: Expectation): void {
  if (expected.size !== undefined && (!Number.isSafeInteger(expected.size) || expected.size < 0))
    throw Errors.validation('size must be a non-negative integer');
  if (expected.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(expected.sha256))
    throw Errors.validation('sha256 must be 64 hex digits');
}

/** Clamps a requested range to a file of the given size; an empty file has only the empty range. */
export function resolveRange(
  range: ByteRange | undefined,
  size: number,
): { start: number; end: number; length: number } {
  if (!range) return { start: 0, end: size - 1, length: size };
  const { start } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (range.end !== undefined && !Number.isSafeInteger(range.end))
  )
    throw Errors.validation('range offsets must be non-negative integers');
  if (start >= size || (range.end !== undefined && range.end < start))
    throw FileErrors.rangeNotSatisfiable(size);
  const end = Math.min(range.end ?? size - 1, size - 1);
  return { start, end, length: end - start + 1 };
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function quoteEtag(value: string): string {
  return `"${value}"`;
}

/**
 * Runs a writer that consumes a stream together with the pipeline that feeds it and waits for both, so
 * the clean-up of the failed side has finished before the caller hears of the error. When the writer
 * fails first (e.g. a rejected key), the feeding streams are destroyed so the pipeline ends too.
 */
export async function both<T>(consumer: Promise<T>, feeding: Promise<void>, destroy: () => void): Promise<T> {
  let consumerFailedFirst = false;
  let feedingFailed = false;
  const watchedFeeding = feeding.catch((error: unknown) => {
    feedingFailed = true;
    throw error;
  });
  const watchedConsumer = consumer.catch((error: unknown) => {
    if (!feedingFailed) {
      consumerFailedFirst = true;
      destroy();
    }
    throw error;
  });
  const [a, b] = await Promise.allSettled([watchedConsumer, watchedFeeding]);
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return a.value;
  if (a.status === 'rejected' && (consumerFailedFirst || b.status === 'fulfilled')) throw a.reason;
  throw (b as PromiseRejectedResult).reason;
}

/** Passes on only bytes start..start+length-1 of what flows through. */
export class Slice extends Transform {
  private position = 0;

  constructor(
    private readonly start: number,
    private readonly length: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const from = Math.max(0, this.start - this.position);
    const to = Math.min(chunk.length, this.start + this.length - this.position);
    this.position += chunk.length;
    callback(null, from < to ? chunk.subarray(from, to) : undefined);
  }
}
