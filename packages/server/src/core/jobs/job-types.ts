// Types shared by the queue, the worker and the domains that define jobs. Payloads are JSON: they are
// stored in jobs.payload (jsonb) and read back by another process, so Dates arrive as strings.

/** Payload of a job whose name is not listed in JobPayloadMap (for example jobs made up by tests). */
export type JsonObject = Record<string, unknown>;

/**
 * Domains declare the payload of each job name they own by augmenting this interface, e.g.
 *   declare module '../jobs/job-types.js' { interface JobPayloadMap { 'permits.reminder': { permitId: string } } }
 * enqueue() and register() then check the payload against the name.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobPayloadMap {}

export type JobPayload<N extends string> = N extends keyof JobPayloadMap ? JobPayloadMap[N] : JsonObject;

export interface EnqueueOptions {
  /** Earliest time to run; default now. */
  runAt?: Date;
  /** Attempts before the job goes to dead; default 5. */
  maxAttempts?: number;
  /** While a job with this key is pending or running, enqueue returns that job instead of a new one. */
  uniqueKey?: string;
  /** Tenant the job belongs to (admin lists filter by it). */
  municipalityId?: string | null;
}

export interface EnqueueResult {
  id: number;
  /** false when uniqueKey matched a pending or running job and nothing was inserted. */
  created: boolean;
}

/** What a handler gets for one attempt of one job. */
export interface JobContext<P> {
  id: number;
  name: string;
  payload: P;
  municipalityId: string | null;
  /** 1 on the first run, counting every claim (also runs lost to a crashed worker). */
  attempt: number;
  maxAttempts: number;
  createdAt: Date;
  workerId: string;
  /** Aborted when the handler timed out or the worker is shutting down past its deadline. */
  signal: AbortSignal;
}

export type JobHandler<P> = (job: JobContext<P>) => Promise<void>;

export interface BackoffOptions {
  /** Delay before the second attempt; doubles after each failure. */
  baseMs: number;
  /** Upper bound of one delay. */
  capMs: number;
}

export interface HandlerOptions {
  /** A run that takes longer counts as failed; default the worker's defaultTimeoutMs (60 s). */
  timeoutMs?: number;
  /** Jobs of this name run at most this many at a time in one worker; default the worker's concurrency. */
  concurrency?: number;
  /** How long a claim is held before other workers may take the job over; default timeoutMs + 30 s. */
  leaseMs?: number;
  /** Retry delays for this job name; default the worker's backoff. */
  backoff?: BackoffOptions;
}

/** The part of a pino logger the worker uses; any pino logger fits. */
export interface JobLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentJobLogger: JobLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
