// Signatures of outgoing webhooks. The receiver recomputes an HMAC-SHA256 over "<t>.<body>" with the shared
// secret: the body proves nothing was changed, the signed timestamp lets receivers reject old messages that
// an attacker replays. Format of the header: `t=<unix seconds>,v1=<hex>`; several v1 entries are allowed so
// that a secret can be rotated while receivers still know only the old or only the new one.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-SRP-Signature';
export const EVENT_HEADER = 'X-SRP-Event';
export const DELIVERY_HEADER = 'X-SRP-Delivery';

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The value of the X-SRP-Signature header for this body. */
export function signWebhook(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * For receivers and tests: true when `header` carries a valid signature of exactly this body (the raw bytes,
 * before any JSON parsing) made with `secret`, no more than `toleranceSeconds` away from now.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return signatures.some((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected));
}
