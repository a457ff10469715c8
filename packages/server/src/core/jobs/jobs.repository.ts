// All SQL of the job queue. Times are the database's now(), never the application's clock, so that several
// server instances agree on when a job is due and when a lease has expired.
//
// Claiming uses `for update skip locked`: concurrent workers each lock different due rows instead of
// waiting for each other, and a row can only be claimed by one transaction. The claim commits at once and
// leaves a lease (locked_until, locked_by) instead of holding a transaction open for the whole run: a
// long transaction would block PGlite (one connection for everything) and tie up a pooled PostgreSQL
// connection per running job. If a worker dies, its lease runs out and the job is handed out again.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB, Job, JobStatus } from '../db/schema.js';

export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'done', 'dead'];

export interface NewJobRow {
  name: string;
  payload: object;
  municipalityId: string | null;
  maxAttempts: number;
  runAt: Date | undefined;
  uniqueKey: string | null;
}

/** Identifies one claim of one job: a worker may only settle the run it claimed. */
export interface JobClaim {
  id: number;
  workerId: string;
  attempt: number;
}

export interface DeadJobFilter {
  municipalityId?: string;
  name?: string;
  uniqueKey?: string;
  /** Keyset pagination: only jobs with a smaller id (the nextBeforeId of the previous page). */
  beforeId?: number;
  limit: number;
}

export interface JobCountFilter {
  municipalityId?: string;
  name?: string;
}

const millis = (ms: number) => sql<Date>`now() + (${ms}::double precision * interval '1 millisecond')`;
const activeStatus: Expression<SqlBool> = sql<SqlBool>`status in ('pending', 'running')`;

export class JobsRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the job; returns undefined when its unique key is already held by a pending or running job. */
  async insert(job: NewJobRow, executor: Database = this.db): Promise<number | undefined> {
    const row = await executor
      .insertInto('jobs')
      .values({
        name: job.name,
        payload: JSON.stringify(job.payload),
        municipality_id: job.municipalityId,
        max_attempts: job.maxAttempts,
        run_at: job.runAt,
        unique_key: job.uniqueKey,
      })
      // The predicate must repeat the partial index's own (literally, not as parameters) to select it.
      .onConflict((oc) => oc.column('unique_key').where(activeStatus).doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  async findActiveIdByUniqueKey(
    uniqueKey: string,
    executor: Database = this.db,
  ): Promise<number | undefined> {
    const row = await executor
      .selectFrom('jobs')
      .select('id')
      .where('unique_key', '=', uniqueKey)
      .where(activeStatus)
      .executeTakeFirst();
    return row?.id;
  }

  async findById(id: number): Promise<Job | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Which of these names have a job due now; a cheap look before claiming name by name. */
  async findDueNames(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select('name')
      .distinct()
      .where('status', '=', 'pending')
      .where('run_at', '<=', sql<Date>`now()`)
      .where('name', 'in', names)
      .execute();
    return rows.map((r) => r.name);
  }

  /** Takes up to `limit` due jobs of one name for this worker; each claim counts as an attempt. */
  async claim(input: { name: string; limit: number; workerId: string; leaseMs: number }): Promise<Job[]> {
    if (input.limit < 1) return [];
    return this.db
      .with('next', (db) =>
        db
          .selectFrom('jobs')
          .select('id')
          .where('name', '=', input.name)
          .where('status', '=', 'pending')
          .where('run_at', '<=', sql<Date>`now()`)
          .orderBy('run_at')
          .orderBy('id')
          .limit(input.limit)
          .forUpdate()
          .skipLocked(),
      )
      .updateTable('jobs')
      .from('next')
      .whereRef('jobs.id', '=', 'next.id')
      .set((eb) => ({
        status: 'running',
        attempts: eb('jobs.attempts', '+', 1),
        locked_by: input.workerId,
        locked_until: millis(input.leaseMs),
      }))
      .returningAll('jobs')
      .execute();
  }

  /** False when the claim was lost (the lease ran out and the job was handed to someone else). */
  async markDone(claim: JobClaim): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'done', finished_at: sql<Date>`now()`, locked_until: null })
      .where((eb) => this.#ownClaim(eb, claim))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async scheduleRetry(claim: JobClaim, error: string, delayMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({
        status: 'pending',
        run_at: millis(delayMs),
        locked_by: null,
        locked_until: null,
        last_error: error,
      })
      .where((eb) => this.#ownClaim(eb, claim))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async markDead(claim: JobClaim, error: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'dead', finished_at: sql<Date>`now()`, locked_until: null, last_error: error })
      .where((eb) => this.#ownClaim(eb, claim))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  #ownClaim(eb: ExpressionBuilder<DB, 'jobs'>, claim: JobClaim) {
    return eb.and([
      eb('id', '=', claim.id),
      eb('status', '=', 'running'),
      eb('locked_by', '=', claim.workerId),
      eb('attempts', '=', claim.attempt),
    ]);
  }

  /**
   * Jobs whose lease ran out belong to a worker that crashed or stalled: back to pending, or to dead when
   * that was their last attempt (a job that kills its worker every time must not loop forever).
   */
  async reclaimExpiredLeases(): Promise<{ requeued: number; dead: number }> {
    const lostRun = sql<string>`'Lease of worker ' || coalesce(locked_by, '?') || ' expired before the job finished'`;
    const dead = await this.db
      .updateTable('jobs')
      .set({ status: 'dead', finished_at: sql<Date>`now()`, locked_until: null, last_error: lostRun })
      .where('status', '=', 'running')
      .where('locked_until', '<', sql<Date>`now()`)
      .whereRef('attempts', '>=', 'max_attempts')
      .executeTakeFirst();
    const requeued = await this.db
      .updateTable('jobs')
      .set({
        status: 'pending',
        run_at: sql<Date>`now()`,
        locked_by: null,
        locked_until: null,
        last_error: lostRun,
      })
      .where('status', '=', 'running')
      .where('locked_until', '<', sql<Date>`now()`)
      .whereRef('attempts', '<', 'max_attempts')
      .executeTakeFirst();
    return { requeued: Number(requeued.numUpdatedRows), dead: Number(dead.numUpdatedRows) };
  }

  /**
   * Due jobs that no worker has a handler for go to dead once they have waited `graceMs` (which covers a
   * rolling deployment where the enqueuing instance is newer than the working one).
   */
  async deadLetterUnknown(input: {
    knownNames: readonly string[];
    namePrefix: string;
    graceMs: number;
  }): Promise<number> {
    let query = this.db
      .updateTable('jobs')
      .set({
        status: 'dead',
        finished_at: sql<Date>`now()`,
        last_error: sql<string>`'No handler is registered for job name "' || name || '"'`,
      })
      .where('status', '=', 'pending')
      .where('run_at', '<=', millis(-input.graceMs))
      .where(sql<SqlBool>`starts_with(name, ${input.namePrefix})`);
    if (input.knownNames.length > 0) query = query.where('name', 'not in', input.knownNames);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes done jobs finished more than `retentionMs` ago, in batches so no statement runs for long. */
  async deleteDoneOlderThan(retentionMs: number, batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('jobs')
        .where('id', 'in', (db) =>
          db
            .selectFrom('jobs')
            .select('id')
            .where('status', '=', 'done')
            .where('finished_at', '<', millis(-retentionMs))
            .limit(batchSize),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /** Newest first. */
  async listDead(filter: DeadJobFilter): Promise<Job[]> {
    let query = this.db.selectFrom('jobs').selectAll().where('status', '=', 'dead');
    if (filter.municipalityId !== undefined)
      query = query.where('municipality_id', '=', filter.municipalityId);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    if (filter.uniqueKey !== undefined) query = query.where('unique_key', '=', filter.uniqueKey);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /**
   * Dead job back to pending with a fresh set of attempts. Undefined when there is no such dead job; throws
   * the database's unique violation when another job with the same unique key is pending or running.
   */
  async retryDead(id: number, municipalityId?: string): Promise<Job | undefined> {
    let query = this.db
      .updateTable('jobs')
      .set({
        status: 'pending',
        attempts: 0,
        run_at: sql<Date>`now()`,
        locked_by: null,
        locked_until: null,
        finished_at: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'dead');
    if (municipalityId !== undefined) query = query.where('municipality_id', '=', municipalityId);
    return query.returningAll().executeTakeFirst();
  }

  async countByStatus(filter: JobCountFilter = {}): Promise<Record<JobStatus, number>> {
    let query = this.db
      .selectFrom('jobs')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .groupBy('status');
    if (filter.municipalityId !== undefined)
      query = query.where('municipality_id', '=', filter.municipalityId);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    const counts: Record<JobStatus, number> = { pending: 0, running: 0, done: 0, dead: 0 };
    for (const row of await query.execute()) counts[row.status] = Number(row.count);
    return counts;
  }
}
