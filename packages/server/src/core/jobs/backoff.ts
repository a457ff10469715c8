// Exponential backoff with "equal jitter": half of the delay is fixed, half random. The fixed half keeps a
// failing receiver from being hammered; the random half spreads jobs that failed together (an SMTP outage)
// so they do not all come back in the same second.
import type { BackoffOptions } from './job-types.js';

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 15_000, capMs: 60 * 60_000 };

/** Delay before the next attempt after `failedAttempt` (1-based) failed. */
export function retryDelayMs(
  failedAttempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
