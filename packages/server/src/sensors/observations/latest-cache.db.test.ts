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

/** Counts the queries the cache makes, with the Datastreams each was limited to. */
class CountingRepository extends TimeseriesRepository {
  queries = 0;
  only: (number[] | undefined)[] = [];
  multiQueries = 0;
  override latestLines(...args: Parameters<TimeseriesRepository['latestLines']>) {
    this.queries++;
    this.only.push(args[2]);
    return super.latestLines(...args);
  }
  override multiLatestJson(...args: Parameters<TimeseriesRepository['multiLatestJson']>) {
    this.multiQueries++;
    return super.multiLatestJson(...args);
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
  (JSON.parse(body.toString()) as { datastreams: { id: number; value: unknown; unit: string }[] })
    .datastreams;

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

test('a change re-reads only the Datastreams it names; storing widens no answer; a unit rebuilds it', async () => {
  const { municipality } = await createTestTenant(db);
  const [a, b, c] = (await createSensorFixture(db, municipality.id, 3)).datastreamIds as [
    number,
    number,
    number,
  ];
  const observations = new ObservationService(db);
  const store = (datastreamId: number, minute: number, result: number) =>
    observations.create(municipality.id, [
      {
        datastreamId,
        phenomenonTime: { start: new Date(Date.UTC(2026, 10, 20, 8, minute)), end: null },
        result,
      },
    ]);
  await store(a, 0, 1);
  await store(b, 0, 2);
  const selection = { municipalityId: municipality.id };
  const staff = { municipalities: [municipality.id] };
  const values = (body: Buffer) => parse(body).map((d) => [d.id, d.value]);

  // Storing also widens the Datastream's time extents and observedArea: that must not rebuild the whole
  // answer (the generation stays), only re-read the one Datastream the NOTIFY names. Other test files'
  // new Datastreams rebuild everything on the PostgreSQL lane: count only in a round without that.
  let minute = 0;
  const round = async () => {
    cache.invalidate();
    const generation = cache.generation;
    const first = await cache.get(selection, staff);
    const from = repository.only.length;
    minute++;
    await store(c, minute, 30 + minute);
    const updated = await waitFor('the change', async () => {
      const answer = await cache.get(selection, staff);
      return parse(answer.body)[2]?.value === 30 + minute ? answer : undefined;
    });
    const reads = repository.only.slice(from);
    return cache.generation === generation ? { first, updated, reads } : undefined;
  };
  const { first, updated, reads } = await waitFor('a quiet round', round);
  assert.deepEqual(values(first.body), [
    [a, 1],
    [b, 2],
    [c, minute > 1 ? 30 + minute - 1 : null],
  ]);
  assert.deepEqual(values(updated.body), [
    [a, 1],
    [b, 2],
    [c, 30 + minute],
  ]);
  // Only limited reads, of this municipality's changed Datastreams (the notification of storing a's or b's
  // value above may arrive after the round's first answer, and is read then too).
  assert.ok(reads.length > 0 && reads.every((only) => only !== undefined), 'no full read');
  assert.ok(reads.flat().includes(c));
  assert.ok(reads.flat().every((id) => [a, b, c].includes(id)));
  assert.notEqual(updated.etag, first.etag);
  assert.ok(updated.modified! >= first.modified!);

  // A new unit changes what the answer shows: it is built anew.
  await sql`update sensor_datastreams set unit_of_measurement = '{"name": "metre", "symbol": "m"}'::jsonb
    where id = ${b}`.execute(db);
  const rebuilt = await waitFor('the new unit', async () => {
    const answer = await cache.get(selection, staff);
    return parse(answer.body)[1]?.unit === 'm' ? answer : undefined;
  });
  assert.deepEqual(values(rebuilt.body), values(updated.body));
});

test('a change of a MultiDatastream re-reads the MultiDatastreams, not the Datastreams', async () => {
  const { municipality } = await createTestTenant(db);
  const [a] = (await createSensorFixture(db, municipality.id, 1)).datastreamIds as [number];
  const selection = { ids: [a], multiIds: [2_000_000_000] };
  const round = async () => {
    cache.invalidate();
    const generation = cache.generation;
    await cache.get(selection, 'all');
    const [singles, multis] = [repository.queries, repository.multiQueries];
    // No such MultiDatastream: the change is still read (ids are not checked against the answer).
    cache.changed([], [2_000_000_000]);
    await cache.get(selection, 'all');
    const counts = [repository.queries - singles, repository.multiQueries - multis];
    return cache.generation === generation ? counts : undefined;
  };
  assert.deepEqual(await waitFor('a quiet round', round), [0, 1]);
});

test('a failed query is not cached; nothing is cached while not listening', async () => {
  const failing = new (class extends TimeseriesRepository {
    calls = 0;
    override latestLines(...args: Parameters<TimeseriesRepository['latestLines']>) {
      this.calls++;
      if (this.calls === 1) return Promise.reject(new Error('connection lost'));
      return super.latestLines(...args);
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
