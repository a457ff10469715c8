// Recurring clean-up of the core tables, run as a job so that exactly one instance does it each hour.
import type { JobQueue, JobWorker } from './jobs/index.js';
import type { Database } from './db/database.js';
import { AuthRepository } from './auth/auth.repository.js';

const JOB = 'core.housekeeping';
const EVERY_MS = 60 * 60_000;

declare module './jobs/job-types.js' {
  interface JobPayloadMap {
    'core.housekeeping': Record<string, never>;
  }
}

export function registerHousekeeping(worker: JobWorker, queue: JobQueue, db: Database): void {
  worker.register(JOB, async () => {
    const auth = new AuthRepository(db);
    await auth.deleteExpiredSessions();
    await auth.deleteStaleThrottles(24 * 3600);
    await auth.deleteExpiredResetTokens();
    await auth.deleteStaleRegistrations();
    await auth.deleteExpiredLoginStates();
    await scheduleHousekeeping(queue, EVERY_MS);
  });
}

/** Keeps one pending housekeeping job in the queue; the unique key makes this safe on every start. */
export async function scheduleHousekeeping(queue: JobQueue, delayMs = 60_000): Promise<void> {
  await queue.enqueue(JOB, {}, { uniqueKey: JOB, runAt: new Date(Date.now() + delayMs), maxAttempts: 3 });
}
