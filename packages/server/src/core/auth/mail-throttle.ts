// One limit for everything that sends a mail to an address someone typed in (password reset,
// registration, e-mail change): per e-mail and address, per address, and per e-mail from anywhere.
import { Errors } from '../errors.js';
import type { AuthRepository } from './auth.repository.js';

const THROTTLE_WINDOW_SECONDS = 15 * 60;
const MAX_PER_EMAIL_AND_ADDRESS = 5;
const MAX_PER_ADDRESS = 20;
const MAX_PER_EMAIL = 10;

/**
 * Refuses (429) once a limit of the window is reached, else counts one attempt for each key. Counted
 * whether or not the address has an account, so the limits reveal nothing either.
 */
export async function throttleMailRequest(
  auth: AuthRepository,
  kind: string,
  email: string,
  ip: string,
): Promise<void> {
  const keys: [string, number][] = [
    [`${kind}:${email}:${ip}`, MAX_PER_EMAIL_AND_ADDRESS],
    [`${kind}-ip:${ip}`, MAX_PER_ADDRESS],
    [`${kind}-email:${email}`, MAX_PER_EMAIL],
  ];
  for (const [key, max] of keys) {
    const { failures, retryAfterSeconds } = await auth.throttleFailures(key, THROTTLE_WINDOW_SECONDS);
    if (failures >= max) throw Errors.tooManyRequests(retryAfterSeconds);
  }
  for (const [key] of keys) await auth.recordThrottleFailure(key, THROTTLE_WINDOW_SECONDS);
}
