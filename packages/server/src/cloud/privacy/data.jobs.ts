// Jobs of club exports and deletion, and the hourly removal of expired exports.
import type { AppContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import type { JobQueue, JobWorker } from '../../core/jobs/index.js';
import { ClubDataService, DELETE_JOB, EXPORT_JOB } from './data.service.js';
import { ClubDeletionRequestService } from './deletion-requests.service.js';

const CLEANUP_JOB = 'cloud.exports.cleanup';
const EVERY_MS = 60 * 60_000;

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'cloud.exports.cleanup': Record<string, never>;
  }
}

export const clubDataService = (ctx: AppContext) =>
  new ClubDataService(ctx.db, ctx.files, ctx.audit, ctx.jobs, ctx.clubs);

export const clubDeletionRequests = (ctx: AppContext, data = clubDataService(ctx)) =>
  new ClubDeletionRequestService(ctx.config, ctx.db, ctx.audit, ctx.work, ctx.notifications, data);

export function registerClubDataJobs(worker: JobWorker, ctx: AppContext): void {
  const data = clubDataService(ctx);
  worker.register(EXPORT_JOB, (job) => data.runExport(job.payload.exportId, job.attempt >= job.maxAttempts), {
    timeoutMs: 6 * 3600_000,
    concurrency: 1,
  });
  worker.register(DELETE_JOB, (job) => data.runDeletion(job.payload.clubId, systemActor('club deletion')), {
    timeoutMs: 6 * 3600_000,
  });
  worker.register(
    CLEANUP_JOB,
    async () => {
      await data.removeExpiredExports();
      await scheduleExportCleanup(ctx.jobs, EVERY_MS);
    },
    { timeoutMs: 30 * 60_000 },
  );
}

/** Keeps one pending clean-up job queued; the unique key makes this safe on every start. */
export async function scheduleExportCleanup(queue: JobQueue, delayMs = 10 * 60_000): Promise<void> {
  await queue.enqueue(
    CLEANUP_JOB,
    {},
    { uniqueKey: CLEANUP_JOB, runAt: new Date(Date.now() + delayMs), maxAttempts: 3 },
  );
}
