// SQL of storing observations. Kept apart from the SensorThings query layer because this is the hot path.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import { isoInstant } from '../entities/iso-time.js';
import { GEOJSON_ENCODING } from '../entities/model.js';
import { bucketStartSql, COARSE_BUCKETS, FIVE_MIN_BUCKET, ROLLUP_TIME_ZONE } from './rollup-buckets.js';

export interface StreamOwner {
  id: number;
  thingId: number;
  /** The FeatureOfInterest generated from the Thing's current Location (linked most recently), if any yet. */
  featureId: number | null;
}

export interface ObservationRow {
  municipality_id: string;
  datastream_id: number | null;
  multi_datastream_id: number | null;
  feature_of_interest_id: number;
  phenomenon_time_start: Date;
  phenomenon_time_end: Date | null;
  result_time: Date | null;
  result_number: number | null;
  result: string | null;
  result_quality: string | null;
  valid_time_start: Date | null;
  valid_time_end: Date | null;
  parameters: string | null;
}

/**
 * Rows per INSERT statement. The statement takes every column as one array parameter (unnest), so its
 * size does not grow with the batch; the chunk only bounds the server's memory for one statement.
 */
const INSERT_CHUNK = 20_000;

/** Where an observation sits for the derived data: its Datastream or MultiDatastream and its time. */
export interface ObservationPosition {
  datastreamId: number | null;
  multiDatastreamId: number | null;
  time: Date;
}

/**
 * How each rollup width is recomputed after an update or delete: 5 min and hour from the raw rows, day
 * from the hour rollups and month from the day rollups (hour and coarser rollups outlive the raw data,
 * see retention.ts, and UTC hours nest in Berlin days because Berlin's offsets are whole hours).
 */
const RECOMPUTE = [
  { width: '5min', from: 'raw', end: sql.raw(`b.start + interval '5 minutes'`) },
  { width: 'hour', from: 'raw', end: sql.raw(`b.start + interval '1 hour'`) },
  {
    width: 'day',
    from: 'hour',
    end: sql.raw(
      `((b.start at time zone '${ROLLUP_TIME_ZONE}') + interval '1 day') at time zone '${ROLLUP_TIME_ZONE}'`,
    ),
  },
  {
    width: 'month',
    from: 'day',
    end: sql.raw(
      `((b.start at time zone '${ROLLUP_TIME_ZONE}') + interval '1 month') at time zone '${ROLLUP_TIME_ZONE}'`,
    ),
  },
] as const;

/**
 * The numeric components of a MultiDatastream result (`column`, jsonb) as rows (component, v): the
 * array position (0-based) and the value. Anything but an array yields no rows (never an error).
 */
const MULTI_COMPONENTS = (column: string) =>
  sql.raw(`select (e.i - 1)::integer as component, e.value::float8 as v
    from jsonb_array_elements(case when jsonb_typeof(${column}) = 'array' then ${column} else '[]'::jsonb end)
      with ordinality as e(value, i)
    where jsonb_typeof(e.value) = 'number'`);

const MULTI_LATEST_UPSERT = sql`on conflict (multi_datastream_id) do update set
  observation_id = excluded.observation_id, phenomenon_time = excluded.phenomenon_time,
  result = excluded.result, updated_at = excluded.updated_at`;

/** The FeatureOfInterest generated from the current Location of stream `d`'s Thing (the one linked most recently). */
const CURRENT_FEATURE = sql`left join lateral (
    select lf.feature_of_interest_id from sensor_thing_locations tl
    left join sensor_location_features lf on lf.location_id = tl.location_id
    where tl.thing_id = d.thing_id order by tl.location_id desc limit 1
  ) f on true`;

/** How a newer value replaces the stored latest one (both writers of sensor_latest use it). */
const LATEST_UPSERT = sql`on conflict (datastream_id) do update set
  observation_id = excluded.observation_id, phenomenon_time = excluded.phenomenon_time,
  result_number = excluded.result_number, result = excluded.result, updated_at = excluded.updated_at`;

/**
 * The SET of a stream row `d` (Datastream or MultiDatastream) that widens its observedArea by the box
 * `a.box` of the features it observed in a chunk; the GeoJSON is rebuilt only when the box grows.
 */
const WIDEN_OBSERVED_AREA = sql`observed_bbox = sensor_bbox_union(d.observed_bbox, a.box),
  observed_area = case when sensor_bbox_covers(d.observed_bbox, a.box) then d.observed_area
    else sensor_envelope_geojson(sensor_bbox_union(d.observed_bbox, a.box)) end`;

/**
 * The (Multi)Datastream and FeatureOfInterest pairs of a chunk, for its observedArea. Rows of one stream
 * mostly come together with one feature, so a pair is listed when it differs from the row before: a
 * handful per chunk instead of a join over every row in the database (repeats are removed there).
 */
function observedFeatures(rows: ObservationRow[]) {
  const datastreams: (number | null)[] = [];
  const multiDatastreams: (number | null)[] = [];
  const features: number[] = [];
  let last: ObservationRow | undefined;
  for (const row of rows) {
    if (
      last?.datastream_id !== row.datastream_id ||
      last.multi_datastream_id !== row.multi_datastream_id ||
      last.feature_of_interest_id !== row.feature_of_interest_id
    ) {
      datastreams.push(row.datastream_id);
      multiDatastreams.push(row.multi_datastream_id);
      features.push(row.feature_of_interest_id);
    }
    last = row;
  }
  return { datastreams, multiDatastreams, features };
}

export class ObservationRepository {
  constructor(private readonly db: Database) {}

  /**
   * The municipality's Datastreams among `ids`, with their Thing and its current FeatureOfInterest (see
   * StreamOwner), locked (FOR NO KEY UPDATE) in id order until the transaction ends. Writers of the same
   * streams thereby queue up here, in one order, which keeps the upserts into sensor_latest and
   * sensor_rollups below free of deadlocks; FK checks (KEY SHARE) and readers are not blocked. The
   * FeatureOfInterest comes in the same statement: it is the next thing a writer needs, and every round
   * trip after the lock lengthens the queue of writers behind it.
   */
  async datastreamsOf(municipalityId: string, ids: number[]): Promise<StreamOwner[]> {
    if (ids.length === 0) return [];
    const result = await sql<StreamOwner>`
      select d.id, d.thing_id as "thingId", f.feature_of_interest_id as "featureId"
      from sensor_datastreams d ${CURRENT_FEATURE}
      where d.municipality_id = ${municipalityId}::uuid and d.id = any(${ids}::bigint[])
      order by d.id for no key update of d`.execute(this.db);
    return result.rows;
  }

  /** datastreamsOf() for MultiDatastreams, with the number of components of their results. */
  async multiDatastreamsOf(
    municipalityId: string,
    ids: number[],
  ): Promise<(StreamOwner & { components: number })[]> {
    if (ids.length === 0) return [];
    const result = await sql<StreamOwner & { components: number }>`
      select d.id, d.thing_id as "thingId", f.feature_of_interest_id as "featureId",
        cardinality(d.multi_observation_data_types) as components
      from sensor_multi_datastreams d ${CURRENT_FEATURE}
      where d.municipality_id = ${municipalityId}::uuid and d.id = any(${ids}::bigint[])
      order by d.id for no key update of d`.execute(this.db);
    return result.rows;
  }

  async streamOwners(datastreamIds: number[], multiDatastreamIds: number[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    if (datastreamIds.length > 0)
      for (const r of await this.db
        .selectFrom('sensor_datastreams')
        .select(['id', 'municipality_id'])
        .where('id', '=', sql<number>`any(${datastreamIds}::bigint[])`)
        .execute())
        owners.set(`d${r.id}`, r.municipality_id);
    if (multiDatastreamIds.length > 0)
      for (const r of await this.db
        .selectFrom('sensor_multi_datastreams')
        .select(['id', 'municipality_id'])
        .where('id', '=', sql<number>`any(${multiDatastreamIds}::bigint[])`)
        .execute())
        owners.set(`m${r.id}`, r.municipality_id);
    return owners;
  }

  async featuresExist(municipalityId: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('sensor_features_of_interest')
      .select('id')
      .where('municipality_id', '=', municipalityId)
      .where('id', 'in', ids)
      .orderBy('id')
      // Held until commit, so the FeatureOfInterest cannot be deleted under us (there is no FK, see 0005).
      .forKeyShare()
      .execute();
    return rows.map((r) => r.id);
  }

  /** The Thing's current GeoJSON Location (the one linked most recently, by id), if any. */
  async currentLocationOfThing(thingId: number): Promise<
    | {
        id: number;
        name: string;
        description: string;
        encodingType: string;
        location: unknown;
        municipalityId: string;
        bbox: [number | null, number | null, number | null, number | null];
      }
    | undefined
  > {
    const row = await this.db
      .selectFrom('sensor_thing_locations as tl')
      .innerJoin('sensor_locations as l', 'l.id', 'tl.location_id')
      .select([
        'l.id',
        'l.name',
        'l.description',
        'l.encoding_type',
        'l.location',
        'l.municipality_id',
        'l.min_x',
        'l.min_y',
        'l.max_x',
        'l.max_y',
      ])
      .where('tl.thing_id', '=', thingId)
      // Only a GeoJSON Location can become a FeatureOfInterest (a Thing may also have an address as text).
      .where('l.encoding_type', '~*', GEOJSON_ENCODING)
      .orderBy('l.id', 'desc')
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        name: row.name,
        description: row.description,
        encodingType: row.encoding_type,
        location: row.location,
        municipalityId: row.municipality_id,
        bbox: [row.min_x, row.min_y, row.max_x, row.max_y],
      }
    );
  }

  async featureForLocation(locationId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('sensor_location_features')
      .select('feature_of_interest_id')
      .where('location_id', '=', locationId)
      .executeTakeFirst();
    return row?.feature_of_interest_id;
  }

  async createFeatureForLocation(
    location: NonNullable<Awaited<ReturnType<ObservationRepository['currentLocationOfThing']>>>,
  ): Promise<number> {
    const feature = await this.db
      .insertInto('sensor_features_of_interest')
      .values({
        municipality_id: location.municipalityId,
        name: location.name,
        description: location.description,
        encoding_type: location.encodingType,
        feature: JSON.stringify(location.location),
        min_x: location.bbox[0],
        min_y: location.bbox[1],
        max_x: location.bbox[2],
        max_y: location.bbox[3],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('sensor_location_features')
      .values({ location_id: location.id, feature_of_interest_id: feature.id })
      .onConflict((oc) => oc.column('location_id').doNothing())
      .execute();
    // Another writer may have won the race: use whichever mapping is stored.
    return (await this.featureForLocation(location.id)) ?? feature.id;
  }

  /** Creates the monthly partitions the rows need (see migration 0005); a no-op for existing months. */
  async ensurePartitions(monthStarts: Date[]): Promise<void> {
    for (const month of monthStarts)
      await sql`select sensor_observations_ensure_partition(${month.toISOString()}::timestamptz)`.execute(
        this.db,
      );
  }

  /**
   * Stores the rows and, in the same statement, maintains what makes reads cheap: the latest value and
   * the 5 min/hour/day/month rollups of each Datastream, and the time extents and observedArea of the
   * streams. Doing this in the write transaction (instead of a later job or at query time) means readers
   * never see raw data without its rollups, late and out-of-order data is simply added to its bucket, and
   * a read of a year of daily means touches 365 rows instead of 525,600. Every column travels as one
   * array (unnest): one round trip and one small statement per chunk, whatever the batch size. Returns ids
   * in row order.
   */
  async insert(municipalityId: string, rows: ObservationRow[]): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      // A column that is null throughout travels as one null: unnest pads it with nulls.
      const col = <T>(pick: (row: ObservationRow) => T) => {
        const values = chunk.map(pick);
        return values.some((v) => v !== null) ? values : null;
      };
      const iso = (d: Date | null) => (d === null ? null : isoInstant(d));
      const observed = observedFeatures(chunk);
      const result = await sql<{ ids: string }>`
        with src as materialized (
          select nextval('sensor_observation_ids') as id, u.*
          from unnest(
            ${chunk.map((r) => r.datastream_id)}::bigint[], ${col((r) => r.multi_datastream_id)}::bigint[],
            ${col((r) => r.feature_of_interest_id)}::bigint[], ${chunk.map((r) => isoInstant(r.phenomenon_time_start))}::timestamptz[],
            ${col((r) => iso(r.phenomenon_time_end))}::timestamptz[], ${col((r) => iso(r.result_time))}::timestamptz[],
            ${col((r) => r.result_number)}::float8[], ${col((r) => r.result)}::jsonb[],
            ${col((r) => r.result_quality)}::jsonb[], ${col((r) => iso(r.valid_time_start))}::timestamptz[],
            ${col((r) => iso(r.valid_time_end))}::timestamptz[], ${col((r) => r.parameters)}::jsonb[]
          ) with ordinality as u(ds, mds, foi, ts, te, rt, rn, res, rq, vs, ve, par, ord)
        ),
        -- Rollups in two steps: first per 5 min bucket, then hour, day and month from those partial
        -- aggregates (5 min buckets nest in UTC hours and in Berlin days, whose offsets are whole hours).
        -- Dense data thereby needs few of the costly time zone conversions.
        five as (
          select ds, ${FIVE_MIN_BUCKET} as start, count(*) as n, sum(rn) as total, min(rn) as lo, max(rn) as hi
          from src where ds is not null and rn is not null group by 1, 2
        ),
        -- The same per numeric component of MultiDatastream results (position in the array, 0-based).
        mfive as (
          select mds, c.component, ${FIVE_MIN_BUCKET} as start, count(*) as n, sum(c.v) as total, min(c.v) as lo, max(c.v) as hi
          from src cross join lateral (${MULTI_COMPONENTS('res')}) c
          where mds is not null group by 1, 2, 3
        ),
        ins as (
          insert into sensor_observations (id, municipality_id, datastream_id, multi_datastream_id,
            feature_of_interest_id, phenomenon_time_start, phenomenon_time_end, result_time, result_number,
            result, result_quality, valid_time_start, valid_time_end, parameters)
          select id, ${municipalityId}::uuid, ds, mds, foi, ts, te, rt, rn, res, rq, vs, ve, par from src
        ),
        rollups as (
          insert into sensor_rollups (datastream_id, bucket_width, bucket_start, count, sum, min, max)
          select ds, '5min', start, n, total, lo, hi from five
          union all
          select f.ds, b.width, b.start, sum(f.n), sum(f.total), min(f.lo), max(f.hi)
          from five f cross join lateral (values ${COARSE_BUCKETS}) as b(width, start)
          group by 1, 2, 3
          -- No ORDER BY for lock order needed: writers of a Datastream queue on its row (datastreamsOf).
          on conflict (datastream_id, bucket_width, bucket_start) do update set
            count = sensor_rollups.count + excluded.count,
            sum = sensor_rollups.sum + excluded.sum,
            min = least(sensor_rollups.min, excluded.min),
            max = greatest(sensor_rollups.max, excluded.max)
        ),
        multi_rollups as (
          insert into sensor_multi_rollups (multi_datastream_id, bucket_width, bucket_start, component, count, sum, min, max)
          select mds, '5min', start, component, n, total, lo, hi from mfive
          union all
          select f.mds, b.width, b.start, f.component, sum(f.n), sum(f.total), min(f.lo), max(f.hi)
          from mfive f cross join lateral (values ${COARSE_BUCKETS}) as b(width, start)
          group by 1, 2, 3, 4
          on conflict (multi_datastream_id, bucket_width, bucket_start, component) do update set
            count = sensor_multi_rollups.count + excluded.count,
            sum = sensor_multi_rollups.sum + excluded.sum,
            min = least(sensor_multi_rollups.min, excluded.min),
            max = greatest(sensor_multi_rollups.max, excluded.max)
        ),
        multi_latest as (
          insert into sensor_multi_latest (multi_datastream_id, observation_id, phenomenon_time, result, updated_at)
          select distinct on (mds) mds, id, ts, res, now() from src where mds is not null
          order by mds, ts desc, id desc
          ${MULTI_LATEST_UPSERT}
          where (excluded.phenomenon_time, excluded.observation_id) > (sensor_multi_latest.phenomenon_time, sensor_multi_latest.observation_id)
        ),
        latest as (
          insert into sensor_latest (datastream_id, observation_id, phenomenon_time, result_number, result, updated_at)
          select distinct on (ds) ds, id, ts, rn, res, now() from src where ds is not null
          order by ds, ts desc, id desc
          ${LATEST_UPSERT}
          -- Only forward in phenomenon time: late data never replaces a newer value.
          where (excluded.phenomenon_time, excluded.observation_id) > (sensor_latest.phenomenon_time, sensor_latest.observation_id)
        ),
        -- observedArea: the bounding box of each FeatureOfInterest a stream observed in this chunk.
        boxes as (
          select p.ds, p.mds, array[f.min_x, f.min_y, f.max_x, f.max_y] as b
          from (select distinct * from unnest(${observed.datastreams}::bigint[],
                  ${observed.multiDatastreams}::bigint[], ${observed.features}::bigint[]) as u(ds, mds, foi)) p
          join sensor_features_of_interest f on f.id = p.foi
        ),
        extents as (
          update sensor_datastreams d set
            phenomenon_time_start = least(d.phenomenon_time_start, x.lo),
            phenomenon_time_end = greatest(d.phenomenon_time_end, x.hi),
            result_time_start = least(d.result_time_start, x.rlo),
            result_time_end = greatest(d.result_time_end, x.rhi),
            ${WIDEN_OBSERVED_AREA}
          from (select ds, min(ts) lo, max(coalesce(te, ts)) hi, min(rt) rlo, max(rt) rhi
                from src where ds is not null group by ds) x
          left join (select ds, array[min(b[1]), min(b[2]), max(b[3]), max(b[4])] box
                     from boxes where ds is not null group by ds) a on a.ds = x.ds
          where d.id = x.ds
        ),
        multi_extents as (
          update sensor_multi_datastreams d set
            phenomenon_time_start = least(d.phenomenon_time_start, x.lo),
            phenomenon_time_end = greatest(d.phenomenon_time_end, x.hi),
            result_time_start = least(d.result_time_start, x.rlo),
            result_time_end = greatest(d.result_time_end, x.rhi),
            ${WIDEN_OBSERVED_AREA}
          from (select mds, min(ts) lo, max(coalesce(te, ts)) hi, min(rt) rlo, max(rt) rhi
                from src where mds is not null group by mds) x
          left join (select mds, array[min(b[1]), min(b[2]), max(b[3]), max(b[4])] box
                     from boxes where mds is not null group by mds) a on a.mds = x.mds
          where d.id = x.mds
        )
        -- One text value instead of a row per observation: parsing thousands of result rows cost more
        -- in Node than the whole rollup maintenance in the database.
        select string_agg(id::text, ',' order by ord) as ids from src
      `.execute(this.db);
      for (const id of result.rows[0]!.ids.split(',')) ids.push(Number(id));
    }
    return ids;
  }

  /**
   * Ids among `ids` of MultiDatastream observations whose result is not an array with one value per
   * component of their MultiDatastream (after an update, which the caller then rolls back).
   */
  async malformedMultiResults(municipalityId: string, ids: number[]): Promise<number[]> {
    const result = await sql<{ id: number }>`
      select o.id from sensor_observations o join sensor_multi_datastreams m on m.id = o.multi_datastream_id
      where o.municipality_id = ${municipalityId}::uuid and o.id = any(${ids}::bigint[])
        and (case when jsonb_typeof(o.result) = 'array' then jsonb_array_length(o.result) else -1 end)
          <> cardinality(m.multi_observation_data_types)`.execute(this.db);
    return result.rows.map((r) => r.id);
  }

  /** Datastream and phenomenon time of the given observations (of this municipality). */
  async positionsOf(
    municipalityId: string,
    where: { ids: number[] } | { featureOfInterestId: number },
  ): Promise<ObservationPosition[]> {
    return this.db
      .selectFrom('sensor_observations')
      .select([
        'datastream_id as datastreamId',
        'multi_datastream_id as multiDatastreamId',
        'phenomenon_time_start as time',
      ])
      .where('municipality_id', '=', municipalityId)
      .where((eb) =>
        'ids' in where
          ? eb('id', '=', sql<number>`any(${where.ids}::bigint[])`)
          : eb('feature_of_interest_id', '=', where.featureOfInterestId),
      )
      .execute();
  }

  /**
   * Recomputes what the write path maintains incrementally, for observations that were updated or
   * deleted: the rollup buckets at the given positions (old and new ones) and the latest value of their
   * Datastreams. Buckets left empty are deleted. The caller holds the Datastream rows locked
   * (datastreamsOf), so no writer adds to these buckets meanwhile.
   */
  async recompute(positions: ObservationPosition[]): Promise<void> {
    await this.recomputeMulti(positions);
    const known = positions.filter((p) => p.datastreamId !== null);
    if (known.length === 0) return;
    const ds = known.map((p) => p.datastreamId);
    const times = known.map((p) => p.time.toISOString());
    for (const step of RECOMPUTE) {
      const source =
        step.from === 'raw'
          ? sql`select b.ds, b.start, count(o.result_number) as n, coalesce(sum(o.result_number), 0) as total,
                min(o.result_number) as lo, max(o.result_number) as hi
              from b left join sensor_observations o on o.datastream_id = b.ds
                and o.phenomenon_time_start >= b.start and o.phenomenon_time_start < ${step.end}
                and o.result_number is not null
              group by b.ds, b.start`
          : sql`select b.ds, b.start, coalesce(sum(r.count), 0) as n, coalesce(sum(r.sum), 0) as total,
                min(r.min) as lo, max(r.max) as hi
              from b left join sensor_rollups r on r.datastream_id = b.ds and r.bucket_width = ${step.from}
                and r.bucket_start >= b.start and r.bucket_start < ${step.end}
              group by b.ds, b.start`;
      await sql`
        with b as (
          select distinct u.ds, ${sql.raw(bucketStartSql(step.width, 'u.t'))} as start
          from unnest(${ds}::bigint[], ${times}::timestamptz[]) as u(ds, t)
        ),
        agg as (${source}),
        emptied as (
          delete from sensor_rollups r using agg
          where agg.n = 0 and r.datastream_id = agg.ds and r.bucket_width = ${step.width} and r.bucket_start = agg.start
        )
        insert into sensor_rollups (datastream_id, bucket_width, bucket_start, count, sum, min, max)
        select ds, ${step.width}, start, n, total, lo, hi from agg where n > 0
        on conflict (datastream_id, bucket_width, bucket_start) do update set
          count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max
      `.execute(this.db);
    }
    await sql`
      with d as (select distinct ds from unnest(${ds}::bigint[]) as u(ds)),
      newest as (
        select d.ds, o.id, o.phenomenon_time_start, o.result_number, o.result
        from d cross join lateral (
          select id, phenomenon_time_start, result_number, result from sensor_observations
          where datastream_id = d.ds order by phenomenon_time_start desc, id desc limit 1
        ) o
      ),
      emptied as (
        delete from sensor_latest l using d
        where l.datastream_id = d.ds and not exists (select 1 from newest n where n.ds = d.ds)
      )
      insert into sensor_latest (datastream_id, observation_id, phenomenon_time, result_number, result, updated_at)
      select ds, id, phenomenon_time_start, result_number, result, now() from newest
      ${LATEST_UPSERT}
    `.execute(this.db);
  }

  /** The Datastreams and MultiDatastreams with Observations of a FeatureOfInterest (by its index). */
  async streamsObserving(
    featureOfInterestId: number,
  ): Promise<{ datastreams: number[]; multiDatastreams: number[] }> {
    const rows = await sql<{ ds: number | null; mds: number | null }>`
      select distinct datastream_id as ds, multi_datastream_id as mds from sensor_observations
      where feature_of_interest_id = ${featureOfInterestId}`.execute(this.db);
    return {
      datastreams: rows.rows.flatMap((r) => (r.ds === null ? [] : [Number(r.ds)])),
      multiDatastreams: rows.rows.flatMap((r) => (r.mds === null ? [] : [Number(r.mds)])),
    };
  }

  /**
   * The time extents (phenomenonTime, resultTime) and observedArea of the given (Multi)Datastreams from
   * the observations they have now, after an update or delete. The write path only widens them; here
   * they may shrink, and a stream left without observations has none. One pass over each stream's
   * observations (by its index), grouped by FeatureOfInterest first so that the boxes are joined once
   * per feature. The caller holds the stream rows locked, as for recompute.
   */
  async recomputeExtents(datastreamIds: number[], multiDatastreamIds: number[]): Promise<void> {
    for (const [streams, column, ids] of [
      [sql.table('sensor_datastreams'), sql.ref('datastream_id'), datastreamIds],
      [sql.table('sensor_multi_datastreams'), sql.ref('multi_datastream_id'), multiDatastreamIds],
    ] as const) {
      if (ids.length === 0) continue;
      await sql`
        with per_feature as (
          select ${column} as stream, feature_of_interest_id as feature,
            min(phenomenon_time_start) as lo, max(coalesce(phenomenon_time_end, phenomenon_time_start)) as hi,
            min(result_time) as rlo, max(result_time) as rhi
          from sensor_observations where ${column} = any(${ids}::bigint[])
          group by 1, 2
        ),
        x as (
          select p.stream, min(p.lo) as lo, max(p.hi) as hi, min(p.rlo) as rlo, max(p.rhi) as rhi,
            case when count(f.min_x) > 0
              then array[min(f.min_x), min(f.min_y), max(f.max_x), max(f.max_y)] end as box
          from per_feature p left join sensor_features_of_interest f on f.id = p.feature
          group by p.stream
        )
        update ${streams} d set
          phenomenon_time_start = x.lo, phenomenon_time_end = x.hi,
          result_time_start = x.rlo, result_time_end = x.rhi,
          observed_bbox = x.box, observed_area = sensor_envelope_geojson(x.box)
        from unnest(${ids}::bigint[]) as u(id) left join x on x.stream = u.id
        where d.id = u.id`.execute(this.db);
    }
  }

  /** recompute() for MultiDatastreams: the same steps, per component of the array results. */
  private async recomputeMulti(positions: ObservationPosition[]): Promise<void> {
    const known = positions.filter((p) => p.multiDatastreamId !== null);
    if (known.length === 0) return;
    const mds = known.map((p) => p.multiDatastreamId);
    const times = known.map((p) => p.time.toISOString());
    for (const step of RECOMPUTE) {
      const source =
        step.from === 'raw'
          ? sql`select b.mds, b.start, c.component, count(*) as n, sum(c.v) as total, min(c.v) as lo, max(c.v) as hi
              from b join sensor_observations o on o.multi_datastream_id = b.mds
                and o.phenomenon_time_start >= b.start and o.phenomenon_time_start < ${step.end}
              cross join lateral (${MULTI_COMPONENTS('o.result')}) c
              group by 1, 2, 3`
          : sql`select b.mds, b.start, r.component, sum(r.count) as n, sum(r.sum) as total,
                min(r.min) as lo, max(r.max) as hi
              from b join sensor_multi_rollups r on r.multi_datastream_id = b.mds and r.bucket_width = ${step.from}
                and r.bucket_start >= b.start and r.bucket_start < ${step.end}
              group by 1, 2, 3`;
      // Components without values any more (deleted or no longer numeric) lose their row.
      await sql`
        with b as (
          select distinct u.mds, ${sql.raw(bucketStartSql(step.width, 'u.t'))} as start
          from unnest(${mds}::bigint[], ${times}::timestamptz[]) as u(mds, t)
        ),
        agg as (${source}),
        emptied as (
          delete from sensor_multi_rollups r using b
          where r.multi_datastream_id = b.mds and r.bucket_width = ${step.width} and r.bucket_start = b.start
            and not exists (select 1 from agg where agg.mds = b.mds and agg.start = b.start and agg.component = r.component)
        )
        insert into sensor_multi_rollups (multi_datastream_id, bucket_width, bucket_start, component, count, sum, min, max)
        select mds, ${step.width}, start, component, n, total, lo, hi from agg
        on conflict (multi_datastream_id, bucket_width, bucket_start, component) do update set
          count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max
      `.execute(this.db);
    }
    await sql`
      with d as (select distinct mds from unnest(${mds}::bigint[]) as u(mds)),
      newest as (
        select d.mds, o.id, o.phenomenon_time_start, o.result
        from d cross join lateral (
          select id, phenomenon_time_start, result from sensor_observations
          where multi_datastream_id = d.mds order by phenomenon_time_start desc, id desc limit 1
        ) o
      ),
      emptied as (
        delete from sensor_multi_latest l using d
        where l.multi_datastream_id = d.mds and not exists (select 1 from newest n where n.mds = d.mds)
      )
      insert into sensor_multi_latest (multi_datastream_id, observation_id, phenomenon_time, result, updated_at)
      select mds, id, phenomenon_time_start, result, now() from newest
      ${MULTI_LATEST_UPSERT}
    `.execute(this.db);
  }
}
