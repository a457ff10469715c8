import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase, testDatabase, testLane } from '../../test-support/db.js';
import type { Job, JobStatus } from '../db/schema.js';
import { JobQueue } from './job-queue.js';
import { PermanentJobError } from './job-errors.js';
import { JobWorker, type JobWorkerOptions } from './job-worker.js';
import { waitFor } from '../../test-support/wait.js';

const handle = await testDatabase();
after(() => handle.close());
const queue = new JobQueue(handle.db);

// Every test uses its own job names, so workers of tests running in parallel never take each other's jobs.
const jobName = (label: string) => `test.${label}.${randomUUID().slice(0, 8)}`;

function makeWorker(options: Partial<JobWorkerOptions> = {}): JobWorker {
  return new JobWorker({
    queue,
    pollIntervalMs: 20,
    maintenanceIntervalMs: 50,
    backoff: { baseMs: 5, capMs: 20 },
    unknownJobs: false,
    ...options,
  });
}

const waitForStatus = (id: number, status: JobStatus): Promise<Job> =>
  waitFor(`job ${id} to be ${status}`, async () => {
    const job = await queue.getJob(id);
    return job?.status === status ? job : undefined;
  });

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

void test('an enqueued job runs once and is marked done with its handler context', async (t) => {
  const name = jobName('basic');
  const seen: { payload: unknown; attempt: number; workerId: string }[] = [];
  const worker = makeWorker().register(name, (job) => {
    seen.push({ payload: job.payload, attempt: job.attempt, workerId: job.workerId });
    return Promise.resolve();
  });
  worker.start();
  t.after(() => worker.stop());

  const { id, created } = await queue.enqueue(name, { greeting: 'Moin', count: 3 });
  assert.equal(created, true);
  const job = await waitForStatus(id, 'done');

  assert.deepEqual(seen, [
    { payload: { greeting: 'Moin', count: 3 }, attempt: 1, workerId: worker.workerId },
  ]);
  assert.equal(job.attempts, 1);
  assert.equal(job.locked_by, worker.workerId);
  assert.equal(job.locked_until, null);
  assert.ok(job.finished_at instanceof Date);
});

void test('a job enqueued in the same process starts without waiting for the next poll', async (t) => {
  const name = jobName('wake');
  const ran = deferred<number>();
  // The poll would come only in an hour: the job can only run because enqueue wakes the worker.
  const worker = makeWorker({ pollIntervalMs: 60 * 60_000 }).register(name, (job) => {
    ran.resolve(job.id);
    return Promise.resolve();
  });
  worker.start();
  t.after(() => worker.stop());
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the first look at start-up pass

  const { id } = await queue.enqueue(name, {});
  assert.equal(await ran.promise, id);
  await waitForStatus(id, 'done');
});

void test('a failing job is retried and marked done when a later attempt succeeds', async (t) => {
  const name = jobName('flaky');
  const attempts: number[] = [];
  const worker = makeWorker().register(name, (job) => {
    attempts.push(job.attempt);
    return job.attempt < 3 ? Promise.reject(new Error(`flaky ${job.attempt}`)) : Promise.resolve();
  });
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {});
  const job = await waitForStatus(id, 'done');
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(job.attempts, 3);
  assert.match(job.last_error ?? '', /flaky 2/);
});

void test('a failed attempt puts the job back to pending with a run_at in the future', async (t) => {
  const name = jobName('backoff');
  const worker = makeWorker({ backoff: { baseMs: 60 * 60_000, capMs: 60 * 60_000 } }).register(name, () =>
    Promise.reject(new Error('receiver down')),
  );
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {});
  const job = await waitFor('the first failure', async () => {
    const current = await queue.getJob(id);
    return current?.last_error ? current : undefined;
  });
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(handle.db);
  assert.equal(job.status, 'pending');
  assert.equal(job.attempts, 1);
  assert.equal(job.locked_by, null);
  assert.ok(
    job.run_at.getTime() > rows[0]!.now.getTime() + 20 * 60_000,
    'retry waits at least half the backoff',
  );
  assert.match(job.last_error ?? '', /Error: receiver down/);
});

void test('a job that keeps failing goes to dead after max_attempts with its last error', async (t) => {
  const name = jobName('hopeless');
  const attempts: number[] = [];
  const worker = makeWorker().register(name, (job) => {
    attempts.push(job.attempt);
    throw new Error(`attempt ${job.attempt} failed`);
  });
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {}, { maxAttempts: 3 });
  const job = await waitForStatus(id, 'dead');
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(job.attempts, 3);
  assert.match(job.last_error ?? '', /attempt 3 failed/);
  assert.ok(job.finished_at instanceof Date);
});

void test('a PermanentJobError sends the job to dead without further attempts', async (t) => {
  const name = jobName('permanent');
  let calls = 0;
  const worker = makeWorker().register(name, () => {
    calls++;
    return Promise.reject(new PermanentJobError('recipient does not exist'));
  });
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {}, { maxAttempts: 5 });
  const job = await waitForStatus(id, 'dead');
  assert.equal(calls, 1);
  assert.equal(job.attempts, 1);
  assert.match(job.last_error ?? '', /PermanentJobError: recipient does not exist/);
});

void test('a handler that exceeds its timeout fails, and its abort signal fires', async (t) => {
  const name = jobName('slow');
  const abortReasons: unknown[] = [];
  const worker = makeWorker().register(
    name,
    (job) =>
      new Promise<void>((_, reject) => {
        job.signal.addEventListener('abort', () => {
          abortReasons.push(job.signal.reason);
          reject(new Error('aborted'));
        });
      }),
    { timeoutMs: 30 },
  );
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {}, { maxAttempts: 2 });
  const job = await waitForStatus(id, 'dead');
  assert.equal(job.attempts, 2);
  assert.match(job.last_error ?? '', /JobTimeoutError: Handler did not finish within 30 ms/);
  assert.equal(abortReasons.length, 2);
});

void test('jobs without a registered handler go to dead with a clear error', async (t) => {
  const prefix = `test.unknown-${randomUUID().slice(0, 8)}.`;
  const known = `${prefix}known`;
  const worker = makeWorker({ unknownJobs: { graceMs: 0, namePrefix: prefix } }).register(known, () =>
    Promise.resolve(),
  );
  worker.start();
  t.after(() => worker.stop());

  const unknown = await queue.enqueue(`${prefix}typo`, {});
  const handled = await queue.enqueue(known, {});
  const job = await waitForStatus(unknown.id, 'dead');
  assert.equal(job.last_error, `No handler is registered for job name "${prefix}typo"`);
  assert.equal(job.attempts, 0);
  await waitForStatus(handled.id, 'done');
});

void test('two workers on one database run each of 200 jobs exactly once', async (t) => {
  const name = jobName('load');
  // On PostgreSQL the second worker gets its own connection pool, like a second server instance.
  const otherHandle = testLane === 'postgres' ? await openTestDatabase() : handle;
  t.after(() => (otherHandle === handle ? undefined : otherHandle.close()));
  const runs = new Map<number, string[]>();
  const handler = (job: { id: number; workerId: string }) => {
    runs.set(job.id, [...(runs.get(job.id) ?? []), job.workerId]);
    return new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 3));
  };
  const first = makeWorker({ concurrency: 4, workerId: 'worker-a' }).register(name, handler);
  const second = new JobWorker({
    queue: new JobQueue(otherHandle.db),
    workerId: 'worker-b',
    concurrency: 4,
    pollIntervalMs: 5,
    unknownJobs: false,
  }).register(name, handler);
  first.start();
  second.start();
  t.after(() => Promise.all([first.stop(), second.stop()]));

  const ids: number[] = [];
  for (let i = 0; i < 200; i++) ids.push((await queue.enqueue(name, { i })).id);
  // A generous bound: on a busy 2-core CI machine 200 jobs can take a while; what matters is exactly once.
  await waitFor(
    'all 200 jobs done',
    async () => {
      const counts = await queue.countByStatus({ name });
      return counts.done === 200 ? counts : undefined;
    },
    180_000,
  );

  assert.equal(runs.size, 200);
  for (const id of ids) assert.equal(runs.get(id)?.length, 1, `job ${id} ran ${runs.get(id)?.join(', ')}`);
  const byWorker = await handle.db
    .selectFrom('jobs')
    .select(['locked_by', 'attempts'])
    .where('name', '=', name)
    .execute();
  assert.ok(byWorker.every((row) => row.attempts === 1));
  t.diagnostic(
    `worker-a ran ${byWorker.filter((r) => r.locked_by === 'worker-a').length}, ` +
      `worker-b ran ${byWorker.filter((r) => r.locked_by === 'worker-b').length}`,
  );
});

void test('a job whose worker crashed is reclaimed after its lease expired and runs again', async (t) => {
  const name = jobName('crash');
  const { id } = await queue.enqueue(name, { important: true });
  // A worker claims the job and dies: the row stays running with a lease that runs out.
  const [claimed] = await queue.repository.claim({ name, limit: 1, workerId: 'crashed-worker', leaseMs: 1 });
  assert.equal(claimed?.id, id);

  const runs: number[] = [];
  const worker = makeWorker().register(name, (job) => {
    runs.push(job.attempt);
    return Promise.resolve();
  });
  worker.start();
  t.after(() => worker.stop());

  const job = await waitForStatus(id, 'done');
  assert.deepEqual(runs, [2]);
  assert.equal(job.locked_by, worker.workerId);
  assert.match(job.last_error ?? '', /Lease of worker crashed-worker expired/);
});

void test('a reclaimed job that had used its last attempt goes to dead instead of running again', async () => {
  const name = jobName('crash-last');
  const { id } = await queue.enqueue(name, {}, { maxAttempts: 1 });
  await queue.repository.claim({ name, limit: 1, workerId: 'crashed-worker', leaseMs: 1 });
  const worker = makeWorker().register(name, () => Promise.reject(new Error('must not run')));
  // Not started: maintenance alone decides; run it until the lease has expired in the database's clock.
  const job = await waitFor('the expired lease to be handled', async () => {
    await worker.runMaintenance();
    const current = await queue.getJob(id);
    return current?.status === 'dead' ? current : undefined;
  });
  assert.equal(job.attempts, 1);
  assert.match(job.last_error ?? '', /expired before the job finished/);
});

void test('stop() waits for running jobs and claims nothing new', async () => {
  const name = jobName('stop');
  const started = deferred();
  const release = deferred();
  const worker = makeWorker().register(name, async () => {
    started.resolve();
    await release.promise;
  });
  worker.start();

  const { id } = await queue.enqueue(name, {});
  await started.promise;
  let stopped = false;
  const stopping = worker.stop().then((result) => {
    stopped = true;
    return result;
  });
  const later = await queue.enqueue(name, {});
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stopped, false, 'stop() is still waiting for the running job');
  assert.equal((await queue.getJob(id))?.status, 'running');

  const stoppingAgain = worker.stop();
  release.resolve();
  assert.deepEqual(await stopping, { unfinished: 0 });
  assert.deepEqual(await stoppingAgain, { unfinished: 0 });
  assert.equal((await queue.getJob(id))?.status, 'done');
  const notStarted = await queue.getJob(later.id);
  assert.equal(notStarted?.status, 'pending');
  assert.equal(notStarted?.attempts, 0);
});

void test('stop() gives up at its deadline, aborts the running job and leaves it to its lease', async () => {
  const name = jobName('stop-deadline');
  const started = deferred();
  let aborted = false;
  const worker = makeWorker().register(name, (job) => {
    started.resolve();
    job.signal.addEventListener('abort', () => (aborted = true));
    return new Promise<void>(() => undefined); // never finishes
  });
  worker.start();
  const { id } = await queue.enqueue(name, {});
  await started.promise;

  assert.deepEqual(await worker.stop({ timeoutMs: 20 }), { unfinished: 1 });
  assert.equal(aborted, true);
  const job = await queue.getJob(id);
  assert.equal(job?.status, 'running', 'not done: a later worker takes it over when the lease expires');
});

void test('a job with runAt in the future is not run before that time', async (t) => {
  const name = jobName('scheduled');
  const ranAt = new Map<number, number>();
  const worker = makeWorker().register(name, (job) => {
    ranAt.set(job.id, Date.now());
    return Promise.resolve();
  });
  worker.start();
  t.after(() => worker.stop());

  const soon = new Date(Date.now() + 300);
  const nextWeek = new Date(Date.now() + 7 * 24 * 60 * 60_000);
  const farJob = await queue.enqueue(name, {}, { runAt: nextWeek });
  const soonJob = await queue.enqueue(name, {}, { runAt: soon });
  const dueJob = await queue.enqueue(name, {});

  await waitForStatus(dueJob.id, 'done');
  await waitForStatus(soonJob.id, 'done');
  assert.ok(ranAt.get(soonJob.id)! >= soon.getTime(), 'the scheduled job ran at or after its runAt');
  const far = await queue.getJob(farJob.id);
  assert.equal(far?.status, 'pending');
  assert.equal(far?.attempts, 0);
  assert.equal(ranAt.has(farJob.id), false);
});

void test('cleanup deletes done jobs past the retention period and keeps dead ones', async (t) => {
  const name = jobName('cleanup');
  const worker = makeWorker({ doneRetentionMs: 10 * 60_000 }).register(name, (job) =>
    job.payload.fail ? Promise.reject(new PermanentJobError('no')) : Promise.resolve(),
  );
  worker.start();
  t.after(() => worker.stop());

  const oldDone = await queue.enqueue(name, {});
  const freshDone = await queue.enqueue(name, {});
  const oldDead = await queue.enqueue(name, { fail: true });
  await Promise.all([
    waitForStatus(oldDone.id, 'done'),
    waitForStatus(freshDone.id, 'done'),
    waitForStatus(oldDead.id, 'dead'),
  ]);
  await handle.db
    .updateTable('jobs')
    .set({ finished_at: sql<Date>`now() - interval '1 day'` })
    .where('id', 'in', [oldDone.id, oldDead.id])
    .execute();

  assert.ok((await worker.runCleanup()) >= 1);
  assert.equal(await queue.getJob(oldDone.id), undefined);
  assert.equal((await queue.getJob(freshDone.id))?.status, 'done');
  assert.equal((await queue.getJob(oldDead.id))?.status, 'dead');
});

void test('while the process is busy with requests no job is claimed; the job runs once it is not', async (t) => {
  const name = jobName('yield');
  let busy = true;
  let asked = 0;
  const worker = makeWorker({
    yieldTo: {
      busy: () => {
        asked++;
        return busy;
      },
      maxDelayMs: 60 * 60_000,
    },
  }).register(name, () => Promise.resolve());
  worker.start();
  t.after(() => worker.stop());

  const { id } = await queue.enqueue(name, {});
  // The worker keeps looking (it asks again and again) but leaves the job alone.
  const askedAtEnqueue = asked;
  await waitFor('the worker to look again several times', () =>
    Promise.resolve(asked >= askedAtEnqueue + 5 ? true : undefined),
  );
  assert.equal((await queue.getJob(id))?.status, 'pending');
  busy = false;
  await waitForStatus(id, 'done');
});

void test('a process that stays busy delays its jobs by at most maxDelayMs each time; they still run', async (t) => {
  const name = jobName('yield-bounded');
  let asked = 0;
  const worker = makeWorker({
    yieldTo: {
      busy: () => {
        asked++;
        return true;
      },
      maxDelayMs: 50,
    },
  }).register(name, () => Promise.resolve());
  worker.start();
  t.after(() => worker.stop());

  const jobs = await Promise.all([1, 2, 3].map(() => queue.enqueue(name, {})));
  for (const { id } of jobs) await waitForStatus(id, 'done');
  assert.ok(asked > 0, 'the worker asked whether it should give way');
});
