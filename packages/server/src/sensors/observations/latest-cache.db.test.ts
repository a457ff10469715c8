// The cache of latest-value answers: one query per change, and every change seen, including those made by
// another instance (any SQL that NOTIFYs), on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { systemActor } from '../../core/audit/audit.service.js';
import { AuditRepository } from '../../core/audit/audit.repository.js';
import { AuditService } from '../../core/audit/audit.service.js';
import { PublicationService } from '../../core/publication/publication.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { waitFor } from '../../test-support/wait.js';
import { LatestValuesCache } from './latest-cache.js';
import { createSensorFixture } from './observation.fixtures.js';
import { ObservationService } from './observation.service.js';
import { TimeseriesRepository } from './timeseries.repository.js';

const handle = await testDatabase();
const db = handle.db;

/** Counts the queries the cache makes. */
class CountingRepository extends TimeseriesRepository {
  queries = 0;
  override latestJson(...args: Parameters<TimeseriesRepository['latestJson']>) {
    this.queries++;
    return super.latestJson(...args);
  }
}
const repository = new CountingRepository(db);
const cache = new LatestValuesCache(repository);
await cache.start(handle);
after(async () => {
  await cache.stop();
  await handle.close();
});
const publications = new PublicationService(db, new AuditService(new AuditRepository(db)));
const anonymous = { municipalities: [] };
const parse = (body: Buffer) =>
  (JSON.parse(body.toString()) as { datastreams: { id: number; value: unknown }[] }).datastreams;

test('one query per change; concurrent readers share it; visibility and selection are separate keys', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 2);
  const [a, b] = datastreamIds as [number, number];
  await new ObservationService(db).create(municipality.id, [
    { datastreamId: a, phenomenonTime: { start: new Date('2026-11-20T08:00:00Z'), end: null }, result: 3 },
  ]);
  await publications.publish(municipality.id, 'datastream', String(a), systemActor());
  const selection = { municipalityId: municipality.id };

  // Other test files write to the same database (PostgreSQL lane) and their notifications empty the cache
  // too: count only in a round that saw no change.
  const round = async () => {
    cache.invalidate();
    const generation = cache.generation;
    const before = repository.queries;
    const answers = await Promise.all([1, 2, 3].map(() => cache.get(selection, anonymous)));
    const concurrent = repository.queries - before;
    const again = await cache.get(selection, anonymous);
    const staff = await cache.get(selection, { municipalities: [municipality.id] });
    const byIds = await cache.get({ ids: [b, a] }, anonymous);
    const total = repository.queries - before;
    return cache.generation === generation ? { answers, concurrent, again, staff, byIds, total } : undefined;
  };
  const { answers, concurrent, again, staff, byIds, total } = await waitFor('a quiet round', round);
  assert.equal(concurrent, 1, 'three concurrent readers, one query');
  assert.ok(answers.every((x) => x === answers[0]));
  assert.deepEqual(parse(answers[0]!.body), [
    { id: a, time: '2026-11-20T08:00:00.000Z', value: 3, unit: '°C' },
  ]);
  assert.equal(again, answers[0], 'served from the cache');
  assert.deepEqual(
    parse(staff.body).map((d) => d.id),
    [a, b],
  );
  assert.deepEqual(
    parse(byIds.body).map((d) => d.id),
    [a],
  );
  assert.equal(total, 3, 'one query per key');

  // A change by "another instance": plain SQL, only the NOTIFY tells us.
  await sql`update sensor_latest set result_number = 4 where datastream_id = ${a}`.execute(db);
  const changed = await waitFor('the notification', async () => {
    const answer = await cache.get(selection, anonymous);
    return parse(answer.body)[0]?.value === 4 ? answer : undefined;
  });
  assert.notEqual(changed.etag, answers[0]!.etag);
  const gz = await cache.gzipped(changed);
  assert.equal(await cache.gzipped(changed), gz, 'compressed once');
  assert.match(gz.etag, /-gz"$/);
});

test('a failed query is not cached; nothing is cached while not listening', async () => {
  const failing = new (class extends TimeseriesRepository {
    calls = 0;
    override latestJson(...args: Parameters<TimeseriesRepository['latestJson']>) {
      this.calls++;
      if (this.calls === 1) return Promise.reject(new Error('connection lost'));
      return super.latestJson(...args);
    }
  })(db);
  const local = new LatestValuesCache(failing);
  const selection = { ids: [1] };
  // Not started: every call queries.
  await assert.rejects(local.get(selection, anonymous), /connection lost/);
  await local.get(selection, anonymous);
  await local.get(selection, anonymous);
  assert.equal(failing.calls, 3);
  await local.start(handle);
  await waitFor('a quiet round', async () => {
    local.invalidate();
    const generation = local.generation;
    const before = failing.calls;
    await local.get(selection, anonymous);
    await local.get(selection, anonymous);
    return local.generation === generation && failing.calls - before === 1 ? true : undefined;
  });
  await local.stop();
  const before = failing.calls;
  await local.get(selection, anonymous);
  await local.get(selection, anonymous);
  assert.equal(failing.calls - before, 2);
});
