// Public surface of the job queue; domains import from here.
export { JobQueue, DEFAULT_MAX_ATTEMPTS, type DeadJobPage, type EnqueuedEvent } from './job-queue.js';
export { JobWorker, type JobWorkerOptions, type StopResult } from './job-worker.js';
export { JobsRepository, JOB_STATUSES, type DeadJobFilter, type JobCountFilter } from './jobs.repository.js';
export { PermanentJobError, JobTimeoutError, isPermanentJobError } from './job-errors.js';
export { DEFAULT_BACKOFF, retryDelayMs } from './backoff.js';
export type {
  BackoffOptions,
  EnqueueOptions,
  EnqueueResult,
  HandlerOptions,
  JobContext,
  JobHandler,
  JobLogger,
  JobPayload,
  JobPayloadMap,
  JsonObject,
} from './job-types.js';
export { TransactionalEvents, type OutboxListener } from './outbox.js';
