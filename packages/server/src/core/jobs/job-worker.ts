// Runs jobs from the queue. Every server instance with JOBS_ENABLED runs one worker against the shared
// database; they coordinate only through the jobs table:
//  - a claim locks due rows with `for update skip locked` and stamps a lease (locked_until, locked_by), so
//    two workers never get the same job and never wait for each other;
//  - a job is set to done only after its handler resolved, and only by the worker that holds the claim;
//    a crash before that leaves the lease to run out, and the job is handed out again (at-least-once);
//  - a worker only claims the names it has handlers for, so instances (and parallel tests) can share one
//    database; jobs that nobody handles go to dead after a grace period.
// Wake-up is immediate for jobs enqueued in this process and by polling otherwise. LISTEN/NOTIFY is left
// out because PGlite has a single connection and the poll is one cheap indexed query.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Job } from '../db/schema.js';
import { DEFAULT_BACKOFF, retryDelayMs } from './backoff.js';
import { JobTimeoutError, describeJobError, isPermanentJobError } from './job-errors.js';
import type { EnqueuedEvent, JobQueue } from './job-queue.js';
import {
  silentJobLogger,
  type BackoffOptions,
  type HandlerOptions,
  type JobContext,
  type JobHandler,
  type JobLogger,
  type JobPayload,
} from './job-types.js';

const DAY_MS = 24 * 60 * 60_000;
/** How soon a worker that gave way to interactive work looks again. */
const YIELD_RECHECK_MS = 20;

export interface JobWorkerOptions {
  queue: JobQueue;
  /** Shown in jobs.locked_by; default host:pid:random. */
  workerId?: string;
  /** Jobs running at once in this worker, over all names; default 4. */
  concurrency?: number;
  /** How often to look for due jobs enqueued elsewhere (another instance, a retry coming due); default 1 s. */
  pollIntervalMs?: number;
  /** Default timeout of a handler; default 60 s. */
  defaultTimeoutMs?: number;
  /** Lease = timeout + this margin unless a handler sets leaseMs; default 30 s. */
  leaseMarginMs?: number;
  /** Default retry delays; default 15 s doubling up to 1 h, with jitter. */
  backoff?: BackoffOptions;
  /** How often to take back expired leases and dead-letter unknown jobs; default 30 s. */
  maintenanceIntervalMs?: number;
  /** Done jobs are deleted this long after they finished; default 7 days. Dead jobs are kept. */
  doneRetentionMs?: number;
  /** How often to delete old done jobs; default 1 h. */
  cleanupIntervalMs?: number;
  /**
   * Due jobs with a name no handler is registered for go to dead after graceMs (default 10 min), but only
   * names starting with namePrefix (default: all). false turns this off. All instances must register the
   * same handlers, or one would dead-letter the other's jobs.
   */
  unknownJobs?: { graceMs?: number; namePrefix?: string } | false;
  /** How long stop() waits for running jobs by default; default 30 s. */
  stopTimeoutMs?: number;
  /**
   * Background work gives way to interactive work: while busy() is true (e.g. HTTP requests of this
   * process are being answered), no new jobs are claimed, for at most maxDelayMs (default 2 s) at a time,
   * so a steady load delays jobs but cannot starve them. Running jobs go on.
   */
  yieldTo?: { busy: () => boolean; maxDelayMs?: number };
  logger?: JobLogger;
}

interface Registration {
  name: string;
  handler: JobHandler<unknown>;
  timeoutMs: number;
  leaseMs: number;
  concurrency: number;
  backoff: BackoffOptions;
  running: number;
}

interface RunningJob {
  done: Promise<void>;
  controller: AbortController;
}

export interface StopResult {
  /** Jobs still running at the deadline: aborted, their leases run out and another worker retries them. */
  unfinished: number;
}

export class JobWorker {
  readonly workerId: string;
  readonly #queue: JobQueue;
  readonly #registrations = new Map<string, Registration>();
  readonly #running = new Set<RunningJob>();
  readonly #options: Required<
    Omit<JobWorkerOptions, 'queue' | 'workerId' | 'unknownJobs' | 'logger' | 'yieldTo'>
  >;
  readonly #yieldTo: { busy: () => boolean; maxDelayMs: number } | undefined;
  /** Since when claims have been waiting for busy() to clear. */
  #yieldingSince: number | undefined;
  readonly #unknownJobs: { graceMs: number; namePrefix: string } | false;
  readonly #log: JobLogger;

  #state: 'idle' | 'started' | 'stopping' | 'stopped' = 'idle';
  #tick: Promise<void> | undefined;
  #tickAgain = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #maintenanceTimer: NodeJS.Timeout | undefined;
  #cleanupTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopping: Promise<StopResult> | undefined;

  constructor(options: JobWorkerOptions) {
    this.#queue = options.queue;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#options = {
      concurrency: options.concurrency ?? 4,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000,
      leaseMarginMs: options.leaseMarginMs ?? 30_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 30_000,
      doneRetentionMs: options.doneRetentionMs ?? 7 * DAY_MS,
      cleanupIntervalMs: options.cleanupIntervalMs ?? 60 * 60_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 30_000,
    };
    this.#unknownJobs =
      options.unknownJobs === false
        ? false
        : {
            graceMs: options.unknownJobs?.graceMs ?? 10 * 60_000,
            namePrefix: options.unknownJobs?.namePrefix ?? '',
          };
    this.#yieldTo = options.yieldTo && { maxDelayMs: 2000, ...options.yieldTo };
    this.#log = options.logger ?? silentJobLogger;
    if (!Number.isInteger(this.#options.concurrency) || this.#options.concurrency < 1) {
      throw new Error('JobWorker concurrency must be a positive integer');
    }
  }

  /** Adds the handler for one job name. Handlers must be idempotent: a job can run more than once. */
  register<N extends string>(
    name: N,
    handler: JobHandler<JobPayload<N>>,
    options: HandlerOptions = {},
  ): this {
    if (this.#registrations.has(name)) throw new Error(`A handler for job ${name} is already registered`);
    const timeoutMs = options.timeoutMs ?? this.#options.defaultTimeoutMs;
    this.#registrations.set(name, {
      name,
      handler: handler as JobHandler<unknown>,
      timeoutMs,
      leaseMs: options.leaseMs ?? timeoutMs + this.#options.leaseMarginMs,
      concurrency: Math.max(1, options.concurrency ?? this.#options.concurrency),
      backoff: options.backoff ?? this.#options.backoff,
      running: 0,
    });
    if (this.#state === 'started') this.#wake();
    return this;
  }

  get registeredNames(): string[] {
    return [...this.#registrations.keys()];
  }

  get runningCount(): number {
    return this.#running.size;
  }

  start(): void {
    if (this.#state !== 'idle') throw new Error(`JobWorker cannot start when ${this.#state}`);
    this.#state = 'started';
    this.#unsubscribe = this.#queue.onEnqueued((event) => this.#onEnqueued(event));
    this.#log.info({ workerId: this.workerId, names: this.registeredNames }, 'job worker started');
    void this.#runMaintenance();
    this.#maintenanceTimer = setInterval(
      () => void this.#runMaintenance(),
      this.#options.maintenanceIntervalMs,
    );
    this.#maintenanceTimer.unref();
    this.#cleanupTimer = setInterval(() => void this.#runCleanup(), this.#options.cleanupIntervalMs);
    this.#cleanupTimer.unref();
    this.#wake();
  }

  /**
   * Stops claiming and waits for running jobs until the deadline. Jobs still running then are aborted
   * (their signal fires) and left to be retried after their lease; nothing is lost.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<StopResult> {
    if (this.#state === 'idle') this.#state = 'stopped';
    // A second call (e.g. two shutdown signals) waits for the same shutdown.
    this.#stopping ??=
      this.#state === 'stopped' ? Promise.resolve({ unfinished: 0 }) : this.#shutDown(options);
    return this.#stopping;
  }

  async #shutDown(options: { timeoutMs?: number }): Promise<StopResult> {
    this.#state = 'stopping';
    this.#unsubscribe?.();
    clearTimeout(this.#pollTimer);
    clearInterval(this.#maintenanceTimer);
    clearInterval(this.#cleanupTimer);
    // A claim in flight still hands its jobs to #running; wait for it so they are waited for too.
    await this.#tick;
    const timeoutMs = options.timeoutMs ?? this.#options.stopTimeoutMs;
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (deadline = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    const outcome = await Promise.race([Promise.allSettled([...this.#running].map((r) => r.done)), timedOut]);
    clearTimeout(deadline);
    const unfinished = this.#running.size;
    if (outcome === 'timeout') {
      for (const job of this.#running) job.controller.abort(new Error('Job worker is shutting down'));
      this.#log.warn({ workerId: this.workerId, unfinished }, 'job worker stopped with jobs still running');
    }
    this.#state = 'stopped';
    this.#log.info({ workerId: this.workerId }, 'job worker stopped');
    return { unfinished: outcome === 'timeout' ? unfinished : 0 };
  }

  /** Takes back expired leases and dead-letters unknown jobs; runs on a timer, public for tests and CLI. */
  async runMaintenance(): Promise<{ requeued: number; dead: number; unknown: number }> {
    const repository = this.#queue.repository;
    const { requeued, dead } = await repository.reclaimExpiredLeases();
    const unknown = this.#unknownJobs
      ? await repository.deadLetterUnknown({ knownNames: this.registeredNames, ...this.#unknownJobs })
      : 0;
    if (requeued + dead + unknown > 0) {
      this.#log.warn({ requeued, dead, unknown }, 'jobs taken back from expired leases or without handler');
    }
    if (requeued > 0) this.#wake();
    return { requeued, dead, unknown };
  }

  /** Deletes done jobs past the retention period; runs on a timer, public for tests and CLI. */
  async runCleanup(): Promise<number> {
    const deleted = await this.#queue.repository.deleteDoneOlderThan(this.#options.doneRetentionMs);
    if (deleted > 0) this.#log.info({ deleted }, 'deleted old done jobs');
    return deleted;
  }

  async #runMaintenance(): Promise<void> {
    try {
      await this.runMaintenance();
    } catch (error) {
      this.#log.error({ err: error }, 'job maintenance failed');
    }
  }

  async #runCleanup(): Promise<void> {
    try {
      await this.runCleanup();
    } catch (error) {
      this.#log.error({ err: error }, 'job cleanup failed');
    }
  }

  #onEnqueued(event: EnqueuedEvent): void {
    if (!this.#registrations.has(event.name)) return;
    if (event.runAt && event.runAt.getTime() > Date.now()) return; // the poll finds it when it is due
    this.#wake();
  }

  /** Looks for work now; several wake-ups during one look collapse into one more look. */
  #wake(): void {
    if (this.#state !== 'started') return;
    if (this.#tick) {
      this.#tickAgain = true;
      return;
    }
    clearTimeout(this.#pollTimer);
    if (this.#yielding()) {
      this.#pollTimer = setTimeout(() => this.#wake(), YIELD_RECHECK_MS);
      this.#pollTimer.unref();
      return;
    }
    this.#tick = this.#claimAndDispatch()
      .catch((error: unknown) => this.#log.error({ err: error }, 'claiming jobs failed'))
      .finally(() => {
        this.#tick = undefined;
        if (this.#state !== 'started') return;
        if (this.#tickAgain) {
          this.#tickAgain = false;
          this.#wake();
        } else {
          this.#pollTimer = setTimeout(() => this.#wake(), this.#options.pollIntervalMs);
          this.#pollTimer.unref();
        }
      });
  }

  /** Whether to leave the claim for later: busy, and not yet waited maxDelayMs. */
  #yielding(): boolean {
    if (!this.#yieldTo?.busy()) {
      this.#yieldingSince = undefined;
      return false;
    }
    const now = Date.now();
    this.#yieldingSince ??= now;
    if (now - this.#yieldingSince < this.#yieldTo.maxDelayMs) return true;
    this.#yieldingSince = undefined;
    return false;
  }

  async #claimAndDispatch(): Promise<void> {
    const free = () => this.#options.concurrency - this.#running.size;
    const candidates = [...this.#registrations.values()].filter((r) => r.running < r.concurrency);
    if (free() <= 0 || candidates.length === 0) return;
    const dueNames = new Set(await this.#queue.repository.findDueNames(candidates.map((r) => r.name)));
    for (const registration of candidates) {
      if (!dueNames.has(registration.name) || free() <= 0 || this.#state !== 'started') continue;
      const jobs = await this.#queue.repository.claim({
        name: registration.name,
        limit: Math.min(free(), registration.concurrency - registration.running),
        workerId: this.workerId,
        leaseMs: registration.leaseMs,
      });
      for (const job of jobs) this.#dispatch(job, registration);
    }
  }

  #dispatch(job: Job, registration: Registration): void {
    const controller = new AbortController();
    registration.running++;
    const running: RunningJob = { controller, done: Promise.resolve() };
    running.done = this.#run(job, registration, controller)
      .catch((error: unknown) => this.#log.error({ err: error, jobId: job.id }, 'settling a job failed'))
      .finally(() => {
        registration.running--;
        this.#running.delete(running);
        this.#wake(); // a slot is free: there may be more due work
      });
    this.#running.add(running);
  }

  async #run(job: Job, registration: Registration, controller: AbortController): Promise<void> {
    const claim = { id: job.id, workerId: this.workerId, attempt: job.attempts };
    const context: JobContext<unknown> = {
      id: job.id,
      name: job.name,
      payload: job.payload,
      municipalityId: job.municipality_id,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      createdAt: job.created_at,
      workerId: this.workerId,
      signal: controller.signal,
    };
    const log = { jobId: job.id, job: job.name, attempt: job.attempts };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new JobTimeoutError(registration.timeoutMs);
          controller.abort(error);
          reject(error);
        }, registration.timeoutMs);
        timer.unref(); // the handler's own work keeps the process alive, not the watchdog
      });
      // then() turns a handler that throws synchronously into a rejection like any other failure.
      await Promise.race([Promise.resolve().then(() => registration.handler(context)), timeout]);
    } catch (error) {
      clearTimeout(timer);
      await this.#settleFailure(job, registration, claim, error);
      return;
    }
    clearTimeout(timer);
    if (await this.#queue.repository.markDone(claim)) this.#log.debug(log, 'job done');
    else this.#log.warn(log, 'job finished after its lease was lost; it may run again');
  }

  async #settleFailure(
    job: Job,
    registration: Registration,
    claim: { id: number; workerId: string; attempt: number },
    error: unknown,
  ): Promise<void> {
    const message = describeJobError(error);
    const log = { jobId: job.id, job: job.name, attempt: job.attempts, err: error };
    const repository = this.#queue.repository;
    if (isPermanentJobError(error) || job.attempts >= job.max_attempts) {
      await repository.markDead(claim, message);
      this.#log.error(log, 'job failed for good and is dead');
      return;
    }
    const delayMs = retryDelayMs(job.attempts, registration.backoff);
    await repository.scheduleRetry(claim, message, delayMs);
    this.#log.warn({ ...log, retryInMs: delayMs }, 'job failed and will be retried');
  }
}
