// Reads of the time-series storage: latest values and rollups. Both are one indexed query; neither ever
// scans raw observations (see migration 0005 and docs/BENCHMARKS.md).
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { RollupWidth } from './rollup-buckets.js';

/** Whose Datastreams a reader may see besides the published ones. */
export type Visibility = { municipalities: string[] } | 'all';

export interface LatestRow {
  id: number;
  unit: string | null;
  time: Date | null;
  resultNumber: number | null;
  result: unknown;
  observationId: number | null;
  updatedAt: Date | null;
}

export interface RollupRow {
  start: Date;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface DatastreamAccess {
  id: number;
  municipalityId: string;
  unit: unknown;
  published: boolean;
}

const published = sql<boolean>`exists (select 1 from publications p
  where p.resource_type = 'datastream' and p.resource_id = d.id::text)`;
const publishedMulti = sql<boolean>`exists (select 1 from publications p
  where p.resource_type = 'multi_datastream' and p.resource_id = d.id::text)`;

/** The rows a latest-values answer covers (alias `d`): the selection, of what the reader may see. */
function latestWhere(
  selection: { ids: number[] } | { municipalityId: string },
  visibility: Visibility,
  isPublished: RawBuilder<boolean>,
) {
  const which =
    'ids' in selection
      ? sql`d.id = any(${selection.ids}::bigint[])`
      : sql`d.municipality_id = ${selection.municipalityId}::uuid`;
  const visible =
    visibility === 'all'
      ? sql`true`
      : visibility.municipalities.length > 0
        ? sql`(d.municipality_id = any(${visibility.municipalities}::uuid[]) or ${isPublished})`
        : isPublished;
  return sql`${which} and ${visible}`;
}

export interface MultiRollupRow extends RollupRow {
  component: number;
}

export interface MultiDatastreamAccess {
  id: number;
  municipalityId: string;
  units: unknown;
  published: boolean;
}

export class TimeseriesRepository {
  constructor(private readonly db: Database) {}

  /**
   * Latest values of the given Datastreams (or of all Datastreams of one municipality) that the reader
   * may see: published ones, and every one of the municipalities in `visibility`. Datastreams without
   * an observation yet come with null time and value.
   */
  async latest(
    selection: { ids: number[] } | { municipalityId: string },
    visibility: Visibility,
  ): Promise<LatestRow[]> {
    let query = this.db
      .selectFrom('sensor_datastreams as d')
      .leftJoin('sensor_latest as l', 'l.datastream_id', 'd.id')
      .select([
        'd.id',
        sql<string | null>`coalesce(d.unit_of_measurement->>'symbol', d.unit_of_measurement->>'name')`.as(
          'unit',
        ),
        'l.phenomenon_time as time',
        'l.result_number as resultNumber',
        'l.result',
        'l.observation_id as observationId',
        'l.updated_at as updatedAt',
      ]);
    query =
      'ids' in selection
        ? query.where('d.id', '=', sql<number>`any(${selection.ids}::bigint[])`)
        : query.where('d.municipality_id', '=', selection.municipalityId);
    if (visibility !== 'all') {
      const own = visibility.municipalities;
      query = query.where((eb) =>
        own.length > 0
          ? eb.or([eb('d.municipality_id', '=', sql<string>`any(${own}::uuid[])`), published])
          : published,
      );
    }
    return query.orderBy('d.id').execute();
  }

  /**
   * The same selection as latest() (of it only the ids in `only`, when given), answered by PostgreSQL as
   * finished JSON objects (ISO times in UTC, numbers as numbers), one line each in id order as
   * `<id>TAB<object>`, plus the newest change: one text value, no per-row parsing in Node, which dominates
   * otherwise for thousands of Datastreams. Tabs and line breaks cannot occur inside the objects (JSON
   * escapes them in strings). GET /api/sensors/latest is built from these lines (LatestValuesCache).
   */
  async latestLines(
    selection: { ids: number[] } | { municipalityId: string },
    visibility: Visibility,
    only?: number[],
  ): Promise<{ lines: string; modified: Date | null }> {
    const where = latestWhere(selection, visibility, published);
    const result = await sql<{ lines: string | null; modified: Date | null }>`
      -- Concatenated by hand: measured a third faster than json_build_object(...). Safe as JSON because
      -- id is an integer, time has a fixed format, result_number is finite (the write path stores NaN and
      -- infinities nowhere), result is jsonb and the unit goes through to_json.
      select string_agg(
          d.id || E'\t{"id":' || d.id
          || ',"time":' || coalesce('"' || to_char(l.phenomenon_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')
          || ',"value":' || coalesce(l.result_number::text, l.result::text, 'null')
          || ',"unit":' || coalesce(to_json(coalesce(d.unit_of_measurement->>'symbol', d.unit_of_measurement->>'name'))::text, 'null')
          || '}', E'\n' order by d.id) as lines,
        max(l.updated_at) as modified
      from sensor_datastreams d left join sensor_latest l on l.datastream_id = d.id
      where ${where} ${only ? sql`and d.id = any(${only}::bigint[])` : sql``}`.execute(this.db);
    const row = result.rows[0]!;
    return { lines: row.lines ?? '', modified: row.modified };
  }

  /**
   * The latest values of MultiDatastreams as one JSON array: `[{"id", "time", "value": [the array
   * result], "units": [symbol or name per component]}]`, visible ones only, ordered by id.
   */
  async multiLatestJson(
    selection: { ids: number[] } | { municipalityId: string },
    visibility: Visibility,
  ): Promise<{ json: string; modified: Date | null }> {
    const where = latestWhere(selection, visibility, publishedMulti);
    const result = await sql<{ json: string; modified: Date | null }>`
      select coalesce(json_agg(json_build_object(
          'id', d.id,
          'time', to_char(l.phenomenon_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'value', l.result,
          'units', (select coalesce(json_agg(coalesce(u->>'symbol', u->>'name') order by i), '[]'::json)
                    from jsonb_array_elements(d.unit_of_measurements) with ordinality as x(u, i))
        ) order by d.id)::text, '[]') as json,
        max(l.updated_at) as modified
      from sensor_multi_datastreams d left join sensor_multi_latest l on l.multi_datastream_id = d.id
      where ${where}`.execute(this.db);
    return result.rows[0]!;
  }

  async multiDatastreamAccess(id: number): Promise<MultiDatastreamAccess | undefined> {
    return this.db
      .selectFrom('sensor_multi_datastreams as d')
      .select([
        'd.id',
        'd.municipality_id as municipalityId',
        'd.unit_of_measurements as units',
        publishedMulti.as('published'),
      ])
      .where('d.id', '=', id)
      .executeTakeFirst();
  }

  /**
   * Rollup rows of one MultiDatastream for the first `limit` bucket starts with from <= start < to, in
   * time and component order (a bucket's components are never split across pages).
   */
  async multiRollups(
    multiDatastreamId: number,
    width: RollupWidth,
    from: Date | null,
    to: Date | null,
    limit: number,
  ): Promise<MultiRollupRow[]> {
    const range = sql`multi_datastream_id = ${multiDatastreamId} and bucket_width = ${width}
      ${from ? sql`and bucket_start >= ${from.toISOString()}::timestamptz` : sql``}
      ${to ? sql`and bucket_start < ${to.toISOString()}::timestamptz` : sql``}`;
    const result = await sql<MultiRollupRow>`
      select bucket_start as start, component, count, sum, min, max from sensor_multi_rollups
      where ${range} and bucket_start in (
        select distinct bucket_start from sensor_multi_rollups where ${range} order by bucket_start limit ${limit})
      order by bucket_start, component`.execute(this.db);
    return result.rows;
  }

  async datastreamAccess(id: number): Promise<DatastreamAccess | undefined> {
    return this.db
      .selectFrom('sensor_datastreams as d')
      .select([
        'd.id',
        'd.municipality_id as municipalityId',
        'd.unit_of_measurement as unit',
        published.as('published'),
      ])
      .where('d.id', '=', id)
      .executeTakeFirst();
  }

  /** Rollup buckets of one Datastream with from <= start < to, in time order, at most `limit`. */
  async rollups(
    datastreamId: number,
    width: RollupWidth,
    from: Date | null,
    to: Date | null,
    limit: number,
  ): Promise<RollupRow[]> {
    let query = this.db
      .selectFrom('sensor_rollups')
      .select(['bucket_start as start', 'count', 'sum', 'min', 'max'])
      .where('datastream_id', '=', datastreamId)
      .where('bucket_width', '=', width);
    if (from) query = query.where('bucket_start', '>=', from);
    if (to) query = query.where('bucket_start', '<', to);
    return query.orderBy('bucket_start').limit(limit).execute();
  }
}
