// The write path keeps latest values and rollups right, on PGlite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { assertRollupsMatchRaw, createSensorFixture } from './observation.fixtures.js';
import { ObservationService } from './observation.service.js';
import type { ObservationInput } from './observation.types.js';
import { TimeseriesRepository } from './timeseries.repository.js';

const handle = await testDatabase();
after(() => handle.close());
const db = handle.db;
const observations = new ObservationService(db);
const timeseries = new TimeseriesRepository(db);

const at = (iso: string) => ({ start: new Date(iso), end: null });
const obs = (datastreamId: number, iso: string, result: unknown): ObservationInput => ({
  datastreamId,
  phenomenonTime: at(iso),
  result,
});

/** A small deterministic generator, so a failure can be reproduced from the printed seed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('ids come back in input order, the event fires after commit and extents widen', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 2);
  const [a, b] = datastreamIds as [number, number];
  const events: number[][] = [];
  const listener = (stored: { id: number }[]) => events.push(stored.map((s) => s.id));
  observations.events.on('stored', listener);
  const stored = await observations.create(municipality.id, [
    obs(a, '2026-03-01T10:00:00Z', 1),
    obs(b, '2026-03-01T09:00:00Z', 'text'),
    obs(a, '2026-02-27T10:00:00Z', { deep: [1, 2] }),
  ]);
  observations.events.off('stored', listener);
  assert.deepEqual(events, [stored.map((s) => s.id)]);
  const rows = await db
    .selectFrom('sensor_observations')
    .select(['id', 'datastream_id', 'result_number', 'result', 'feature_of_interest_id'])
    .where(
      'id',
      'in',
      stored.map((s) => s.id),
    )
    .orderBy('id')
    .execute();
  assert.deepEqual(
    rows.map((r) => [r.datastream_id, r.result_number, r.result]),
    [
      [a, 1, null],
      [b, null, 'text'],
      [a, null, { deep: [1, 2] }],
    ],
  );
  assert.ok(rows.every((r) => r.feature_of_interest_id === stored[0]!.featureOfInterestId));
  const extent = await db
    .selectFrom('sensor_datastreams')
    .select(['phenomenon_time_start', 'phenomenon_time_end'])
    .where('id', '=', a)
    .executeTakeFirstOrThrow();
  assert.equal(extent.phenomenon_time_start?.toISOString(), '2026-02-27T10:00:00.000Z');
  assert.equal(extent.phenomenon_time_end?.toISOString(), '2026-03-01T10:00:00.000Z');
  // Observations(id) still finds each row by its id alone.
  for (const s of stored) {
    const found = await db.selectFrom('sensor_observations').select('id').where('id', '=', s.id).execute();
    assert.equal(found.length, 1);
  }
});

test('the latest value only moves forward in phenomenon time', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 2);
  const [a, b] = datastreamIds as [number, number];
  await observations.create(municipality.id, [
    obs(a, '2026-05-01T10:00:00Z', 5),
    obs(a, '2026-05-01T12:00:00Z', 7),
    obs(a, '2026-05-01T11:00:00Z', 6),
  ]);
  await observations.create(municipality.id, [obs(a, '2026-04-01T00:00:00Z', 1)]); // late data
  let latest = await timeseries.latest({ ids: [a, b] }, 'all');
  assert.deepEqual(
    latest.map((l) => [l.id, l.time?.toISOString() ?? null, l.resultNumber]),
    [
      [a, '2026-05-01T12:00:00.000Z', 7],
      [b, null, null],
    ],
  );
  // The same instant again: the newer observation wins.
  await observations.create(municipality.id, [
    obs(a, '2026-05-01T12:00:00Z', 8),
    obs(b, '2026-05-02T00:00:00Z', 'x'),
  ]);
  latest = await timeseries.latest({ ids: [a, b] }, 'all');
  assert.deepEqual(
    latest.map((l) => [l.id, l.resultNumber ?? l.result]),
    [
      [a, 8],
      [b, 'x'],
    ],
  );
});

test('rollups equal a brute-force computation over the raw rows, for shuffled and late data', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 3);
  const seed = Date.now() % 100_000;
  const rnd = random(seed);
  // Four months around the end of daylight saving time 2026 (25 Oct), so Berlin days of 25 h are included.
  const start = Date.parse('2026-09-20T00:00:00Z');
  const span = 60 * 86_400_000;
  const inputs: ObservationInput[] = [];
  for (let i = 0; i < 3000; i++) {
    const ds = datastreamIds[Math.floor(rnd() * datastreamIds.length)]!;
    const t = new Date(start + Math.floor((rnd() * span) / 1000) * 1000).toISOString();
    inputs.push(obs(ds, t, rnd() < 0.05 ? 'n/a' : Math.round((rnd() * 200 - 100) * 1000) / 1000));
  }
  // Several batches in random order: every batch is out of order and some arrive after newer ones.
  for (let i = 0; i < inputs.length;) {
    const size = 1 + Math.floor(rnd() * 400);
    await observations.create(municipality.id, inputs.slice(i, i + size));
    i += size;
  }
  await assertRollupsMatchRaw(db, datastreamIds, `seed ${seed}`);
  // And independently of SQL: the hourly sums in JavaScript.
  const hourly = new Map<string, number>();
  for (const input of inputs) {
    if (typeof input.result !== 'number') continue;
    const hour = new Date(
      Math.floor(input.phenomenonTime.start.getTime() / 3_600_000) * 3_600_000,
    ).toISOString();
    const key = `${input.datastreamId} ${hour}`;
    hourly.set(key, (hourly.get(key) ?? 0) + 1);
  }
  const counted = await db
    .selectFrom('sensor_rollups')
    .select(['datastream_id', 'bucket_start', 'count'])
    .where('datastream_id', 'in', datastreamIds)
    .where('bucket_width', '=', 'hour')
    .execute();
  assert.equal(counted.length, hourly.size);
  for (const r of counted)
    assert.equal(Number(r.count), hourly.get(`${r.datastream_id} ${r.bucket_start.toISOString()}`));
  // A Berlin day bucket starts at local midnight: 22:00 UTC in summer time, 23:00 UTC in winter time.
  const days = await timeseries.rollups(
    datastreamIds[0]!,
    'day',
    new Date('2026-10-24T00:00:00Z'),
    new Date('2026-10-27T00:00:00Z'),
    10,
  );
  // ~17 values per stream and day: every day has a bucket. 25 October 2026 has 25 hours in Berlin.
  assert.deepEqual(
    days.map((d) => d.start.toISOString()),
    ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z'],
  );
});

test('observations of a month without partition land in a new partition, not the default one', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id);
  const stored = await observations.create(municipality.id, [
    obs(datastreamIds[0]!, '2011-07-15T12:00:00Z', 3),
  ]);
  const where = await sql<{ partition: string }>`
    select tableoid::regclass::text as partition from sensor_observations where id = ${stored[0]!.id}`.execute(
    db,
  );
  assert.equal(where.rows[0]!.partition, 'sensor_observations_2011_07');
});

test('all or nothing: a foreign Datastream rejects the whole batch and names the row', async () => {
  const { municipality } = await createTestTenant(db);
  const other = await createTestTenant(db);
  const mine = await createSensorFixture(db, municipality.id);
  const theirs = await createSensorFixture(db, other.municipality.id);
  await assert.rejects(
    observations.create(municipality.id, [
      obs(mine.datastreamIds[0]!, '2026-01-01T00:00:00Z', 1),
      obs(theirs.datastreamIds[0]!, '2026-01-01T00:00:00Z', 1),
    ]),
    (error: { status: number; details: { index: number } }) =>
      error.status === 404 && error.details.index === 1,
  );
  const count = await db
    .selectFrom('sensor_observations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('datastream_id', '=', mine.datastreamIds[0]!)
    .executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 0);
});

test('deleting a Datastream deletes its observations and rollups; a used FeatureOfInterest stays', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 2);
  const [gone, kept] = datastreamIds as [number, number];
  const stored = await observations.create(municipality.id, [
    obs(gone, '2026-02-01T00:00:00Z', 1),
    obs(kept, '2026-02-01T00:00:00Z', 2),
  ]);
  await assert.rejects(
    db.deleteFrom('sensor_features_of_interest').where('id', '=', stored[0]!.featureOfInterestId).execute(),
    (error: { code?: string }) => error.code === '23503',
  );
  await db.deleteFrom('sensor_datastreams').where('id', '=', gone).execute();
  const left = await db
    .selectFrom('sensor_observations')
    .select('datastream_id')
    .where('datastream_id', 'in', datastreamIds)
    .execute();
  assert.deepEqual(
    left.map((r) => r.datastream_id),
    [kept],
  );
  const rollups = await db
    .selectFrom('sensor_rollups')
    .select('datastream_id')
    .distinct()
    .where('datastream_id', 'in', datastreamIds)
    .execute();
  assert.deepEqual(
    rollups.map((r) => r.datastream_id),
    [kept],
  );
});
