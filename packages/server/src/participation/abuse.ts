// Abuse protection for anonymous posting: a per-address budget per hour (kept in the database with the
// login throttle, so it holds across instances), a honeypot field people never see, and a minimum time
// between loading a form and sending it. Signed-in people are not limited by the form checks.
import { AuthRepository } from '../core/auth/auth.repository.js';
import type { Database } from '../core/db/database.js';
import { AppError, Errors } from '../core/errors.js';

const WINDOW_SECONDS = 3600;

export interface FormGuardInput {
  /** The honeypot: a field hidden from people; anything in it means a bot filled the form. */
  website?: string | undefined;
  /** When the form was shown (ms since epoch, from the page). */
  startedAt?: number | undefined;
}

export class AbuseGuard {
  private readonly throttle: AuthRepository;

  constructor(
    db: Database,
    private readonly limits: { postsPerHour: number; minFillSeconds: number },
  ) {
    this.throttle = new AuthRepository(db);
  }

  /** Counts one anonymous post from the address; 429 with Retry-After once the budget is spent. */
  async spend(address: string, what: string): Promise<void> {
    const key = `participation:${what}:${address}`;
    const { failures, retryAfterSeconds } = await this.throttle.throttleFailures(key, WINDOW_SECONDS);
    if (failures >= this.limits.postsPerHour) throw Errors.tooManyRequests(retryAfterSeconds);
    await this.throttle.recordThrottleFailure(key, WINDOW_SECONDS);
  }

  checkForm(form: FormGuardInput, now = Date.now()): void {
    if (form.website) throw new AppError('spam_suspected', 400, 'The form could not be accepted');
    if (this.limits.minFillSeconds === 0) return;
    if (form.startedAt === undefined || now - form.startedAt < this.limits.minFillSeconds * 1000) {
      throw new AppError(
        'sent_too_fast',
        400,
        'The form was sent very quickly after it was opened. Please check your entries and send it again.',
        { minFillSeconds: this.limits.minFillSeconds },
      );
    }
  }
}
