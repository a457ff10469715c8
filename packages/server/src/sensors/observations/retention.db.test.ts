// Retention deletes raw data and 5 min rollups per policy; coarser rollups and latest values survive.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { createSensorFixture } from './observation.fixtures.js';
import { ObservationService } from './observation.service.js';
import { ObservationRetention } from './retention.js';

const handle = await testDatabase();
after(() => handle.close());
const db = handle.db;
const observations = new ObservationService(db);

const obs = (datastreamId: number, iso: string, result: number) => ({
  datastreamId,
  phenomenonTime: { start: new Date(iso), end: null },
  result,
});

async function rawTimes(datastreamId: number) {
  const rows = await db
    .selectFrom('sensor_observations')
    .select('phenomenon_time_start')
    .where('datastream_id', '=', datastreamId)
    .orderBy('phenomenon_time_start')
    .execute();
  return rows.map((r) => r.phenomenon_time_start.toISOString().slice(0, 10));
}

async function rollupWidths(datastreamId: number, before: string) {
  const rows = await db
    .selectFrom('sensor_rollups')
    .select('bucket_width')
    .distinct()
    .where('datastream_id', '=', datastreamId)
    .where('bucket_start', '<', new Date(before))
    .orderBy('bucket_width')
    .execute();
  return rows.map((r) => r.bucket_width);
}

test('defaults and per-Datastream overrides decide what raw data and 5 min rollups are kept', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id, 3);
  const [byDefault, forever, short] = datastreamIds as [number, number, number];
  await db
    .insertInto('sensor_retention_policies')
    .values([
      { datastream_id: forever, raw_days: 0, rollup_5min_days: null },
      { datastream_id: short, raw_days: 30, rollup_5min_days: 0 },
    ])
    .execute();
  for (const id of datastreamIds)
    await observations.create(municipality.id, [
      obs(id, '2024-01-10T12:00:00Z', 1),
      obs(id, '2026-04-01T12:00:00Z', 2),
      obs(id, '2026-05-20T12:00:00Z', 3),
    ]);
  // Small batches, so the loop runs more than once.
  const retention = new ObservationRetention(db, { rawDays: 365, rollup5minDays: 400 }, 1);
  const result = await retention.run(new Date('2026-06-01T00:00:00Z'), { municipalityId: municipality.id });
  assert.deepEqual(result.partitionsDropped, []);
  assert.equal(result.rawDeleted, 3);

  assert.deepEqual(await rawTimes(byDefault), ['2026-04-01', '2026-05-20']);
  assert.deepEqual(await rawTimes(forever), ['2024-01-10', '2026-04-01', '2026-05-20']);
  assert.deepEqual(await rawTimes(short), ['2026-05-20']);
  // The 2024 5 min buckets go (default 400 days) except where 5 min rollups are kept forever.
  assert.deepEqual(await rollupWidths(byDefault, '2025-01-01'), ['day', 'hour', 'month']);
  assert.deepEqual(await rollupWidths(forever, '2025-01-01'), ['day', 'hour', 'month']);
  assert.deepEqual(await rollupWidths(short, '2025-01-01'), ['5min', 'day', 'hour', 'month']);
  const latest = await db
    .selectFrom('sensor_latest')
    .select('result_number')
    .where('datastream_id', '=', short)
    .executeTakeFirstOrThrow();
  assert.equal(latest.result_number, 3);
});

test('a month older than every retention is dropped as a whole partition; its rollups stay', async () => {
  const { municipality } = await createTestTenant(db);
  const { datastreamIds } = await createSensorFixture(db, municipality.id);
  const id = datastreamIds[0]!;
  // 1985 is this test's own month: no other test writes that far back.
  await observations.create(municipality.id, [
    obs(id, '1985-03-10T12:00:00Z', 4),
    obs(id, '1985-04-02T12:00:00Z', 5),
  ]);
  const retention = new ObservationRetention(db, { rawDays: 365, rollup5minDays: 0 });
  const dropped = await retention.dropPartitionsBefore(new Date('1985-04-01T00:00:00Z'));
  assert.ok(dropped.includes('sensor_observations_1985_03'), dropped.join());
  assert.ok(!dropped.includes('sensor_observations_1985_04'));
  assert.deepEqual(await rawTimes(id), ['1985-04-02']);
  const exists = await sql<{
    r: string | null;
  }>`select to_regclass('sensor_observations_1985_03')::text as r`.execute(db);
  assert.equal(exists.rows[0]!.r, null);
  const months = await db
    .selectFrom('sensor_rollups')
    .select(['bucket_start', 'sum'])
    .where('datastream_id', '=', id)
    .where('bucket_width', '=', 'month')
    .orderBy('bucket_start')
    .execute();
  assert.deepEqual(
    months.map((m) => m.sum),
    [4, 5],
  );
});
