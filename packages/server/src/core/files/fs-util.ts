// Small filesystem helpers for durable, atomic writes (local storage and the S3 upload staging area).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export function randomId(): string {
  return crypto.randomBytes(16).toString('hex');
}

export const isUploadId = (id: string): boolean => /^[0-9a-f]{32}$/.test(id);

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** fsync a directory so that a rename or a new entry in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes JSON next to the target, fsyncs it and renames it over the target. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomId()}.tmp`;
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(JSON.stringify(value));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  await syncDir(path.dirname(file));
}

export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Runs fn for one id at a time within this process (appends to the same upload must not interleave). */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(id) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.tails.set(id, settled);
    try {
      return await next;
    } finally {
      if (this.tails.get(id) === settled) this.tails.delete(id);
    }
  }
}
