// The job queue lives in the platform's own database instead of a broker (Redis, RabbitMQ): a new
// installation runs on embedded PGlite with nothing else installed, and a job can be inserted in the same
// transaction as the domain change that causes it (transactional outbox). Either both commit or neither,
// so a mail for a permit that was rolled back is never sent, and a committed permit always gets its mail.
//
// This class is the producer and admin side; JobWorker runs the jobs.
import { Errors } from '../errors.js';
import type { Database } from '../db/database.js';
import type { Job, JobStatus } from '../db/schema.js';
import type { EnqueueOptions, EnqueueResult, JobPayload } from './job-types.js';
import { JobsRepository, type DeadJobFilter, type JobCountFilter } from './jobs.repository.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_PAGE_SIZE = 200;

export interface EnqueuedEvent {
  id: number;
  name: string;
  runAt: Date | undefined;
}

export interface DeadJobPage {
  jobs: Job[];
  /** Pass as beforeId for the next page; undefined on the last page. */
  nextBeforeId: number | undefined;
}

export class JobQueue {
  readonly repository: JobsRepository;
  readonly #listeners = new Set<(event: EnqueuedEvent) => void>();

  constructor(db: Database) {
    this.repository = new JobsRepository(db);
  }

  /**
   * Stores a job. Pass a transaction as `executor` to commit the job together with a domain write.
   * With a uniqueKey that a pending or running job already holds, nothing is inserted and that job's id
   * is returned.
   */
  async enqueue<N extends string>(
    name: N,
    payload: JobPayload<N>,
    options: EnqueueOptions = {},
    executor?: Database,
  ): Promise<EnqueueResult> {
    if (!name.trim()) throw Errors.validation('A job needs a name');
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw Errors.validation(`Payload of job ${name} must be a JSON object`);
    }
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw Errors.validation(`maxAttempts of job ${name} must be a positive integer`);
    }
    const row = {
      name,
      payload,
      municipalityId: options.municipalityId ?? null,
      maxAttempts,
      runAt: options.runAt,
      uniqueKey: options.uniqueKey ?? null,
    };
    // A unique key can be freed between the failed insert and the look-up (the holder finished): try again.
    for (let round = 0; round < 3; round++) {
      const id = await this.repository.insert(row, executor);
      if (id !== undefined) {
        this.#notify({ id, name, runAt: options.runAt });
        return { id, created: true };
      }
      const existing = await this.repository.findActiveIdByUniqueKey(row.uniqueKey!, executor);
      if (existing !== undefined) return { id: existing, created: false };
    }
    throw Errors.conflict(`Job ${name} with unique key ${row.uniqueKey} is changing too fast, try again`);
  }

  /**
   * In-process signal that a job was stored, so a worker in this process starts it at once instead of at
   * its next poll. Inside a transaction the signal comes before the commit; on PostgreSQL the worker may
   * then not see the job yet and finds it at the next poll. Returns an unsubscribe function.
   */
  onEnqueued(listener: (event: EnqueuedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(event: EnqueuedEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  getJob(id: number): Promise<Job | undefined> {
    return this.repository.findById(id);
  }

  /** Dead jobs, newest first, in pages (default 50, at most 200). */
  async listDeadJobs(filter: Partial<DeadJobFilter> = {}): Promise<DeadJobPage> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), MAX_PAGE_SIZE);
    const jobs = await this.repository.listDead({ ...filter, limit });
    return { jobs, nextBeforeId: jobs.length === limit ? jobs.at(-1)!.id : undefined };
  }

  /**
   * Gives a dead job a fresh set of attempts. With municipalityId, only a job of that municipality
   * (what a municipal admin may touch). Throws not_found, or conflict when an equal job (same unique key)
   * is already pending or running.
   */
  async retryDeadJob(id: number, scope: { municipalityId?: string } = {}): Promise<Job> {
    let job: Job | undefined;
    try {
      job = await this.repository.retryDead(id, scope.municipalityId);
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') {
        throw Errors.conflict('A job with the same unique key is already pending or running', { jobId: id });
      }
      throw error;
    }
    if (!job) throw Errors.notFound('Dead job');
    this.#notify({ id: job.id, name: job.name, runAt: undefined });
    return job;
  }

  /** Number of jobs per status, e.g. for metrics and the admin dashboard. */
  countByStatus(filter: JobCountFilter = {}): Promise<Record<JobStatus, number>> {
    return this.repository.countByStatus(filter);
  }
}
