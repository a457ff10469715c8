// Test fixtures of this folder: a Thing with a Location, and Datastreams on it, in a test's own tenant.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import { bucketStartSql, ROLLUP_WIDTHS } from './rollup-buckets.js';

export interface SensorFixture {
  thingId: number;
  datastreamIds: number[];
}

export async function createSensorFixture(
  db: Database,
  municipalityId: string,
  datastreams = 1,
  unit: Record<string, unknown> = { name: 'degree Celsius', symbol: '°C' },
): Promise<SensorFixture> {
  const m = municipalityId;
  const thing = await db
    .insertInto('sensor_things')
    .values({ municipality_id: m, name: 'Pegel' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const location = await db
    .insertInto('sensor_locations')
    .values({
      municipality_id: m,
      name: 'Brücke',
      encoding_type: 'application/geo+json',
      location: JSON.stringify({ type: 'Point', coordinates: [9.1, 48.7] }),
      min_x: 9.1,
      min_y: 48.7,
      max_x: 9.1,
      max_y: 48.7,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('sensor_thing_locations')
    .values({ thing_id: thing.id, location_id: location.id })
    .execute();
  const sensor = await db
    .insertInto('sensor_sensors')
    .values({ municipality_id: m, name: 'Sonde', encoding_type: 'text/plain', metadata: '-' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const property = await db
    .insertInto('sensor_observed_properties')
    .values({ municipality_id: m, name: 'Temperatur', definition: 'http://example.org/temperature' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const datastreamIds: number[] = [];
  for (let i = 0; i < datastreams; i++) {
    const ds = await db
      .insertInto('sensor_datastreams')
      .values({
        municipality_id: m,
        thing_id: thing.id,
        sensor_id: sensor.id,
        observed_property_id: property.id,
        name: `Reihe ${i}`,
        observation_type: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        unit_of_measurement: JSON.stringify(unit),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    datastreamIds.push(ds.id);
  }
  return { thingId: thing.id, datastreamIds };
}

/** Every rollup bucket and latest value of the Datastreams equals a brute-force computation over raw rows. */
export async function assertRollupsMatchRaw(db: Database, datastreamIds: number[], label: string) {
  for (const width of ROLLUP_WIDTHS) {
    const expected = await sql<{
      ds: number;
      start: Date;
      count: number;
      sum: number;
      min: number;
      max: number;
    }>`
      select datastream_id as ds, ${sql.raw(bucketStartSql(width, 'phenomenon_time_start'))} as start,
        count(*)::int as count, sum(result_number) as sum, min(result_number) as min, max(result_number) as max
      from sensor_observations
      where datastream_id = any(${datastreamIds}::bigint[]) and result_number is not null
      group by 1, 2 order by 1, 2`.execute(db);
    const actual = await db
      .selectFrom('sensor_rollups')
      .select(['datastream_id as ds', 'bucket_start as start', 'count', 'sum', 'min', 'max'])
      .where('datastream_id', 'in', datastreamIds)
      .where('bucket_width', '=', width)
      .orderBy('datastream_id')
      .orderBy('bucket_start')
      .execute();
    assert.equal(actual.length, expected.rows.length, `${width}: bucket count (${label})`);
    actual.forEach((a, i) => {
      const e = expected.rows[i]!;
      const where = `${width} ${a.ds} ${a.start.toISOString()} (${label})`;
      assert.deepEqual(
        [a.ds, a.start.toISOString(), Number(a.count), a.min, a.max],
        [e.ds, e.start.toISOString(), Number(e.count), e.min, e.max],
        where,
      );
      assert.ok(Math.abs(a.sum - e.sum) < 1e-6, `${where}: sum ${a.sum} vs ${e.sum}`);
    });
  }
  const latest = await sql<{ ds: number; id: number | null; l: number | null }>`
    select d.id as ds, (select o.id from sensor_observations o where o.datastream_id = d.id
        order by o.phenomenon_time_start desc, o.id desc limit 1) as id, l.observation_id as l
    from sensor_datastreams d left join sensor_latest l on l.datastream_id = d.id
    where d.id = any(${datastreamIds}::bigint[]) order by d.id`.execute(db);
  for (const row of latest.rows) assert.equal(row.l, row.id, `latest of ${row.ds} (${label})`);
}

/**
 * Compares every MultiDatastream rollup bucket of each component with a brute-force GROUP BY over the
 * raw rows' array results, and the latest value with the newest raw observation.
 */
export async function assertMultiRollupsMatchRaw(db: Database, multiDatastreamIds: number[], label: string) {
  for (const width of ROLLUP_WIDTHS) {
    const expected = await sql<{
      mds: number;
      start: Date;
      c: number;
      n: number;
      sum: number;
      min: number;
      max: number;
    }>`
      select o.multi_datastream_id as mds, ${sql.raw(bucketStartSql(width, 'o.phenomenon_time_start'))} as start,
        e.i::int - 1 as c, count(*)::int as n, sum(e.v::float8) as sum, min(e.v::float8) as min, max(e.v::float8) as max
      from sensor_observations o, jsonb_array_elements(o.result) with ordinality as e(v, i)
      where o.multi_datastream_id = any(${multiDatastreamIds}::bigint[]) and jsonb_typeof(o.result) = 'array'
        and jsonb_typeof(e.v) = 'number'
      group by 1, 2, 3 order by 1, 2, 3`.execute(db);
    const actual = await db
      .selectFrom('sensor_multi_rollups')
      .select([
        'multi_datastream_id as mds',
        'bucket_start as start',
        'component as c',
        'count',
        'sum',
        'min',
        'max',
      ])
      .where('multi_datastream_id', 'in', multiDatastreamIds)
      .where('bucket_width', '=', width)
      .orderBy('multi_datastream_id')
      .orderBy('bucket_start')
      .orderBy('component')
      .execute();
    assert.equal(actual.length, expected.rows.length, `${width}: bucket count (${label})`);
    actual.forEach((a, i) => {
      const e = expected.rows[i]!;
      const where = `${width} ${a.mds} ${a.start.toISOString()} [${a.c}] (${label})`;
      assert.deepEqual(
        [a.mds, a.start.toISOString(), a.c, Number(a.count), a.min, a.max],
        [e.mds, e.start.toISOString(), e.c, Number(e.n), e.min, e.max],
        where,
      );
      assert.ok(Math.abs(a.sum - e.sum) < 1e-6, `${where}: sum ${a.sum} vs ${e.sum}`);
    });
  }
  const latest = await sql<{ mds: number; id: number | null; l: number | null }>`
    select d.id as mds, (select o.id from sensor_observations o where o.multi_datastream_id = d.id
        order by o.phenomenon_time_start desc, o.id desc limit 1) as id, l.observation_id as l
    from sensor_multi_datastreams d left join sensor_multi_latest l on l.multi_datastream_id = d.id
    where d.id = any(${multiDatastreamIds}::bigint[]) order by d.id`.execute(db);
  assert.equal(latest.rows.length, multiDatastreamIds.length);
  for (const row of latest.rows) assert.equal(row.l, row.id, `latest of ${row.mds} (${label})`);
}
