import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { AppError } from '../errors.js';
import { JobQueue } from './job-queue.js';

const handle = await testDatabase();
after(() => handle.close());
const queue = new JobQueue(handle.db);
const jobName = (label: string) => `test.${label}.${randomUUID().slice(0, 8)}`;

/** Runs one job to dead through the repository, the way a worker would after its last failed attempt. */
async function makeDeadJob(name: string, municipalityId: string | null, uniqueKey?: string): Promise<number> {
  const { id } = await queue.enqueue(
    name,
    { n: 1 },
    { municipalityId, maxAttempts: 1, ...(uniqueKey ? { uniqueKey } : {}) },
  );
  const [claimed] = await queue.repository.claim({ name, limit: 1, workerId: 'test', leaseMs: 60_000 });
  assert.equal(claimed?.id, id);
  assert.ok(await queue.repository.markDead({ id, workerId: 'test', attempt: 1 }, 'Error: boom'));
  return id;
}

void test('enqueue stores name, payload, tenant, attempts and run time', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const name = jobName('store');
  const runAt = new Date('2030-01-02T03:04:05.678Z');
  const { id, created } = await queue.enqueue(
    name,
    { to: 'buergerbuero@example.org', tags: ['a'] },
    { municipalityId: municipality.id, maxAttempts: 9, runAt },
  );
  assert.equal(created, true);
  const job = await queue.getJob(id);
  assert.equal(job?.name, name);
  assert.deepEqual(job?.payload, { to: 'buergerbuero@example.org', tags: ['a'] });
  assert.equal(job?.municipality_id, municipality.id);
  assert.equal(job?.status, 'pending');
  assert.equal(job?.attempts, 0);
  assert.equal(job?.max_attempts, 9);
  assert.equal(job?.run_at.toISOString(), runAt.toISOString());
});

void test('enqueue rejects a payload that is not an object and a non-positive maxAttempts', async () => {
  const name = jobName('invalid');
  await assert.rejects(queue.enqueue(name, [1, 2] as unknown as Record<string, unknown>), AppError);
  await assert.rejects(queue.enqueue(name, {}, { maxAttempts: 0 }), /maxAttempts/);
  await assert.rejects(queue.enqueue(' ', {}), /needs a name/);
});

void test('a unique key held by a pending job makes enqueue return that job', async () => {
  const name = jobName('unique');
  const uniqueKey = `reminder:${randomUUID()}`;
  const first = await queue.enqueue(name, { v: 1 }, { uniqueKey });
  const second = await queue.enqueue(name, { v: 2 }, { uniqueKey });
  assert.deepEqual(second, { id: first.id, created: false });
  assert.deepEqual((await queue.getJob(first.id))?.payload, { v: 1 });

  const concurrent = await Promise.all(
    Array.from({ length: 10 }, (_, i) => queue.enqueue(name, { v: i }, { uniqueKey: `${uniqueKey}:c` })),
  );
  assert.equal(new Set(concurrent.map((r) => r.id)).size, 1);
  assert.equal(concurrent.filter((r) => r.created).length, 1);
  assert.equal((await queue.countByStatus({ name })).pending, 2);
});

void test('a unique key is held while running and free again once the job is done', async () => {
  const name = jobName('unique-done');
  const uniqueKey = `sync:${randomUUID()}`;
  const first = await queue.enqueue(name, {}, { uniqueKey });
  const [claimed] = await queue.repository.claim({ name, limit: 1, workerId: 'test', leaseMs: 60_000 });
  assert.equal(claimed?.id, first.id);
  assert.deepEqual(await queue.enqueue(name, {}, { uniqueKey }), { id: first.id, created: false });

  assert.ok(await queue.repository.markDone({ id: first.id, workerId: 'test', attempt: 1 }));
  const next = await queue.enqueue(name, {}, { uniqueKey });
  assert.equal(next.created, true);
  assert.notEqual(next.id, first.id);
});

void test('a job enqueued in a transaction that rolls back does not exist', async () => {
  const name = jobName('rollback');
  const attempt = handle.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('regions')
      .values({ slug: `region-${randomUUID().slice(0, 8)}`, name: 'Rollback' })
      .execute();
    await queue.enqueue(name, { willVanish: true }, {}, trx);
    throw new Error('domain check failed');
  });
  await assert.rejects(attempt, /domain check failed/);
  assert.deepEqual(await queue.countByStatus({ name }), { pending: 0, running: 0, done: 0, dead: 0 });
});

void test('a job enqueued in a committed transaction is stored together with the domain write', async () => {
  const name = jobName('commit');
  const slug = `region-${randomUUID().slice(0, 8)}`;
  const jobId = await handle.db.transaction().execute(async (trx) => {
    const region = await trx
      .insertInto('regions')
      .values({ slug, name: 'Commit' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await queue.enqueue(name, { regionId: region.id }, {}, trx)).id;
  });
  const region = await handle.db
    .selectFrom('regions')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  assert.deepEqual((await queue.getJob(jobId))?.payload, { regionId: region.id });
});

void test('in-process listeners hear about enqueued jobs and can unsubscribe', async () => {
  const name = jobName('listen');
  const heard: string[] = [];
  const unsubscribe = queue.onEnqueued((event) => {
    if (event.name === name) heard.push(event.name);
  });
  await queue.enqueue(name, {});
  unsubscribe();
  await queue.enqueue(name, {});
  assert.deepEqual(heard, [name]);
});

void test('dead jobs are listed newest first in pages and filtered by municipality', async () => {
  const [a, b] = await Promise.all([createTestTenant(handle.db), createTestTenant(handle.db)]);
  const name = jobName('dead-list');
  const deadOfA: number[] = [];
  for (let i = 0; i < 5; i++) deadOfA.push(await makeDeadJob(name, a.municipality.id));
  const deadOfB = await makeDeadJob(name, b.municipality.id);

  const first = await queue.listDeadJobs({ municipalityId: a.municipality.id, limit: 2 });
  assert.deepEqual(
    first.jobs.map((j) => j.id),
    [deadOfA[4], deadOfA[3]],
  );
  const second = await queue.listDeadJobs({
    municipalityId: a.municipality.id,
    limit: 2,
    beforeId: first.nextBeforeId,
  });
  assert.deepEqual(
    second.jobs.map((j) => j.id),
    [deadOfA[2], deadOfA[1]],
  );
  const third = await queue.listDeadJobs({
    municipalityId: a.municipality.id,
    limit: 2,
    beforeId: second.nextBeforeId,
  });
  assert.deepEqual(
    third.jobs.map((j) => j.id),
    [deadOfA[0]],
  );
  assert.equal(third.nextBeforeId, undefined);
  assert.equal(third.jobs[0]?.last_error, 'Error: boom');

  const ofB = await queue.listDeadJobs({ municipalityId: b.municipality.id });
  assert.deepEqual(
    ofB.jobs.map((j) => j.id),
    [deadOfB],
  );
  const byName = await queue.listDeadJobs({ name });
  assert.equal(byName.jobs.length, 6);
});

void test('retrying a dead job puts it back to pending with its attempts reset', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const other = await createTestTenant(handle.db);
  const name = jobName('dead-retry');
  const id = await makeDeadJob(name, municipality.id);

  await assert.rejects(queue.retryDeadJob(id, { municipalityId: other.municipality.id }), {
    code: 'not_found',
  });
  const retried = await queue.retryDeadJob(id, { municipalityId: municipality.id });
  assert.equal(retried.status, 'pending');
  assert.equal(retried.attempts, 0);
  assert.equal(retried.finished_at, null);
  assert.equal(retried.last_error, 'Error: boom', 'the last error stays visible until the next attempt');
  await assert.rejects(queue.retryDeadJob(id), { code: 'not_found' }, 'only dead jobs can be retried');
});

void test('retrying a dead job is refused while an equal job holds its unique key', async () => {
  const name = jobName('dead-unique');
  const uniqueKey = `export:${randomUUID()}`;
  const dead = await makeDeadJob(name, null, uniqueKey);
  const replacement = await queue.enqueue(name, {}, { uniqueKey });
  assert.equal(replacement.created, true);
  await assert.rejects(queue.retryDeadJob(dead), { code: 'conflict' });
  assert.equal((await queue.getJob(dead))?.status, 'dead');
});

void test('counts per status, filtered by municipality', async () => {
  const { municipality } = await createTestTenant(handle.db);
  const name = jobName('count');
  await makeDeadJob(name, municipality.id);
  await queue.enqueue(name, {}, { municipalityId: municipality.id });
  await queue.enqueue(name, {}, { municipalityId: municipality.id });
  assert.deepEqual(await queue.countByStatus({ municipalityId: municipality.id }), {
    pending: 2,
    running: 0,
    done: 0,
    dead: 1,
  });
});
