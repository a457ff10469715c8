// The spatial functions of $filter on PostGIS (PostgreSQL with the extension, see migration 0009): exact
// relations of points, lines and polygons by the DE-9IM model, either operand a stored geometry or a
// literal. Geometries are GeoJSON in jsonb, turned into PostGIS geometries (SRID 4326, as GeoJSON
// prescribes) inside the query. Distances and lengths are in the units of the coordinates, i.e. degrees,
// the same as the fallback without PostGIS (filter-sql.ts), so one filter means the same on both engines;
// OData defines geo.distance and geo.length in the units of the coordinate reference system.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { Sql } from '../entities/model.js';

/** The PostGIS function of each $filter function that compares two geometries. */
const RELATIONS: Record<string, string> = {
  'geo.intersects': 'st_intersects',
  st_intersects: 'st_intersects',
  st_disjoint: 'st_disjoint',
  st_equals: 'st_equals',
  st_touches: 'st_touches',
  st_within: 'st_within',
  st_contains: 'st_contains',
  st_overlaps: 'st_overlaps',
  st_crosses: 'st_crosses',
};

export const POSTGIS_FUNCTIONS = new Set([
  ...Object.keys(RELATIONS),
  'st_relate',
  'geo.distance',
  'geo.length',
]);

/** A GeoJSON geometry (jsonb) as a PostGIS geometry; null for anything that is not one. */
export function postgisGeometry(geojson: Sql): Sql {
  return sql`(case when jsonb_typeof(${geojson}->'coordinates') = 'array'
    then st_setsrid(st_geomfromgeojson((${geojson})::text), 4326) end)`;
}

/**
 * The SQL of a spatial function over PostGIS geometries (`args` already converted), with its result type.
 * `pattern` is st_relate's DE-9IM intersection matrix pattern (a string expression).
 */
export function postgisCall(
  name: string,
  args: Sql[],
  pattern?: Sql,
): { sql: Sql; type: 'boolean' | 'number' } {
  const relation = RELATIONS[name];
  if (relation) return { sql: sql`${sql.raw(relation)}(${args[0]!}, ${args[1]!})`, type: 'boolean' };
  switch (name) {
    case 'st_relate':
      return { sql: sql`st_relate(${args[0]!}, ${args[1]!}, ${pattern!})`, type: 'boolean' };
    case 'geo.distance':
      return { sql: sql`st_distance(${args[0]!}, ${args[1]!})`, type: 'number' };
    default:
      return { sql: sql`st_length(${args[0]!})`, type: 'number' };
  }
}

/** Whether the database has PostGIS (decided once per process by the caller). */
export async function hasPostgis(db: Database): Promise<boolean> {
  const result = await sql<{ ok: boolean }>`
    select exists (select 1 from pg_extension where extname = 'postgis') as ok`.execute(db);
  return result.rows[0]?.ok === true;
}
