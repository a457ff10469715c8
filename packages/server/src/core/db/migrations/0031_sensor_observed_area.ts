// SensorThings' Datastream/MultiDatastream observedArea: the bounding box of the FeaturesOfInterest of
// their Observations, widened as Observations are stored (with the time extents, one statement per
// batch) from the boxes the FeaturesOfInterest keep already (min_x..max_y, written with the feature).
// The stream's box is also kept as numbers (observed_bbox: min x, min y, max x, max y), so that a batch
// inside it costs a comparison, not a parse of the GeoJSON. SQL functions, so PostgreSQL with or without
// PostGIS and PGlite compute it alike:
// - sensor_bbox_union(a, b), sensor_bbox_covers(a, b): boxes as float8[4]; a null b adds nothing.
// - sensor_envelope_geojson(float8[]): a box as GeoJSON, of lower dimension where it is degenerate like
//   PostGIS's ST_Envelope (a Point for one position, a LineString when all share x or y), else a Polygon
//   with its ring counterclockwise (RFC 7946).
// The Datastreams and MultiDatastreams that have Observations already get theirs from them here, once
// (backfillObservedArea: one pass over the stored Observations' (stream, feature) pairs).
import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function sensor_envelope_geojson(b float8[]) returns jsonb language sql immutable parallel safe as $fn$
      select case
        when b[1] is null or b[2] is null or b[3] is null or b[4] is null then null
        when b[1] = b[3] and b[2] = b[4] then
          jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(b[1], b[2]))
        when b[1] = b[3] or b[2] = b[4] then
          jsonb_build_object('type', 'LineString', 'coordinates',
            jsonb_build_array(jsonb_build_array(b[1], b[2]), jsonb_build_array(b[3], b[4])))
        else
          jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
            jsonb_build_array(b[1], b[2]), jsonb_build_array(b[3], b[2]), jsonb_build_array(b[3], b[4]),
            jsonb_build_array(b[1], b[4]), jsonb_build_array(b[1], b[2]))))
      end
    $fn$;

    create function sensor_bbox_union(a float8[], b float8[]) returns float8[] language sql immutable parallel safe as $fn$
      select case when b[1] is null then a
        else array[least(a[1], b[1]), least(a[2], b[2]), greatest(a[3], b[3]), greatest(a[4], b[4])] end
    $fn$;

    create function sensor_bbox_covers(a float8[], b float8[]) returns boolean language sql immutable parallel safe as $fn$
      select b[1] is null or coalesce(a[1] <= b[1] and a[2] <= b[2] and a[3] >= b[3] and a[4] >= b[4], false)
    $fn$;

    alter table sensor_datastreams add column observed_bbox float8[];
    alter table sensor_multi_datastreams add column observed_bbox float8[];
  `.execute(db);
  await backfillObservedArea(db);
}

/**
 * Sets observed_bbox and observedArea of (Multi)Datastreams from the FeaturesOfInterest their stored
 * Observations refer to: all of them, or (the test, beside other tests' data) only the ids given.
 */
export async function backfillObservedArea(
  db: QueryExecutorProvider,
  only?: { datastreams: number[]; multiDatastreams: number[] },
): Promise<void> {
  for (const [streams, column, ids] of [
    [sql.table('sensor_datastreams'), sql.ref('datastream_id'), only?.datastreams],
    [sql.table('sensor_multi_datastreams'), sql.ref('multi_datastream_id'), only?.multiDatastreams],
  ] as const)
    await sql`
      update ${streams} d set observed_bbox = a.box, observed_area = sensor_envelope_geojson(a.box)
      from (select o.stream, array[min(f.min_x), min(f.min_y), max(f.max_x), max(f.max_y)] as box
            from (select distinct ${column} as stream, feature_of_interest_id from sensor_observations
                  where ${ids ? sql`${column} = any(${ids}::bigint[])` : sql`${column} is not null`}) o
            join sensor_features_of_interest f on f.id = o.feature_of_interest_id
            where f.min_x is not null
            group by o.stream) a
      where d.id = a.stream`.execute(db);
}
