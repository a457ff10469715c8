import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret for cookies and reset links (256 bits, URL-safe). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Secrets are stored only as their SHA-256: they are long and random, so a slow hash adds nothing. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// API keys and app passwords carry a recognisable prefix, so secret scanners and people can tell them apart.
export const API_KEY_PREFIX = 'srpk_';
export const APP_PASSWORD_PREFIX = 'srpa_';
