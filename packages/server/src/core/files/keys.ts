// File keys. The caller namespaces them per municipality: m/<municipalityId>/<domain>/<id...>, e.g.
// m/6f1c.../cloud/blobs/9a/9a3e...; platform-wide files use p/<domain>/<id...>.
import { Errors } from '../errors.js';
import { FileErrors } from './errors.js';

export const MAX_KEY_LENGTH = 512;
const SEGMENT = /^[A-Za-z0-9._=-]{1,200}$/;
const PREFIX_CHARS = /^[A-Za-z0-9._=/-]*$/;

/** Throws file_key_invalid unless key is segments of [A-Za-z0-9._=-] joined by single slashes. */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw FileErrors.invalidKey('empty');
  if (key.length > MAX_KEY_LENGTH) throw FileErrors.invalidKey(`longer than ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\0')) throw FileErrors.invalidKey('contains NUL');
  if (key.startsWith('/')) throw FileErrors.invalidKey('absolute path');
  for (const segment of key.split('/')) {
    if (segment === '') throw FileErrors.invalidKey('empty path segment');
    if (segment === '.' || segment === '..') throw FileErrors.invalidKey('relative path segment');
    if (!SEGMENT.test(segment)) throw FileErrors.invalidKey('only A-Z a-z 0-9 . _ = - and / are allowed');
  }
  return key;
}

/** A list prefix: empty, or the start of a valid key. */
export function validatePrefix(prefix: string): string {
  if (prefix.length > MAX_KEY_LENGTH) throw FileErrors.invalidKey('prefix too long');
  if (!PREFIX_CHARS.test(prefix) || prefix.startsWith('/') || prefix.includes('//'))
    throw FileErrors.invalidKey('invalid prefix');
  if (prefix.split('/').some((s) => s === '..')) throw FileErrors.invalidKey('relative path segment');
  return prefix;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw Errors.validation('limit must be 1..1000');
  return limit;
}
