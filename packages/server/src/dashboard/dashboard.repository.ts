// The only SQL of the dashboard's tiles. Every staff method takes the municipality; public readers name
// the municipalities whose published tiles they want and get only published Datastreams and Locations.
import { sql } from 'kysely';
import type { TileConfig } from '@srp/contracts';
import type { Database } from '../core/db/database.js';
import type { DashboardTileAction } from '../core/db/schema.js';
import { publishedIdsQuery } from '../core/publication/publication.repository.js';

export interface TileRow {
  id: string;
  municipality_id: string;
  on_region: boolean;
  position: number;
  draft: TileConfig;
  published: TileConfig | null;
  published_at: Date | null;
  version: number;
  updated_at: Date;
}

export interface PublishedTileRow extends TileRow {
  published: TileConfig;
  municipality_name: string;
}

export interface DatastreamInfo {
  id: number;
  municipalityId: string;
  name: string;
  unit: string | null;
  thingName: string;
  /** Set only when a published Location of the Thing exists. */
  location: { latitude: number; longitude: number } | null;
}

const TILE_COLUMNS = [
  'dashboard_tiles.id',
  'dashboard_tiles.municipality_id',
  'dashboard_tiles.on_region',
  'dashboard_tiles.position',
  'dashboard_tiles.draft',
  'dashboard_tiles.published',
  'dashboard_tiles.published_at',
  'dashboard_tiles.version',
  'dashboard_tiles.updated_at',
] as const;

/** The unit's symbol, else its name (SensorThings unitOfMeasurement). */
export function unitLabel(unit: unknown): string | null {
  const u = unit as { symbol?: unknown; name?: unknown } | null;
  if (typeof u?.symbol === 'string' && u.symbol !== '') return u.symbol;
  return typeof u?.name === 'string' ? u.name : null;
}

/** A GeoJSON Point (or a Feature with one) as latitude/longitude. */
export function pointOf(geometry: unknown): { latitude: number; longitude: number } | null {
  const g = geometry as { type?: string; coordinates?: unknown; geometry?: unknown } | null;
  if (g?.type === 'Feature') return pointOf(g.geometry);
  if (g?.type !== 'Point' || !Array.isArray(g.coordinates)) return null;
  const [longitude, latitude] = g.coordinates as unknown[];
  return typeof latitude === 'number' && typeof longitude === 'number' ? { latitude, longitude } : null;
}

export class DashboardRepository {
  constructor(private readonly db: Database) {}

  async list(municipalityId: string): Promise<TileRow[]> {
    const rows = await this.db
      .selectFrom('dashboard_tiles')
      .select(TILE_COLUMNS)
      .where('municipality_id', '=', municipalityId)
      .orderBy('position')
      .orderBy('created_at')
      .execute();
    return rows as unknown as TileRow[];
  }

  async find(municipalityId: string, id: string): Promise<TileRow | undefined> {
    const row = await this.db
      .selectFrom('dashboard_tiles')
      .select(TILE_COLUMNS)
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row as unknown as TileRow | undefined;
  }

  async insert(
    municipalityId: string,
    input: { draft: TileConfig; onRegion: boolean; createdBy: string | null },
  ): Promise<TileRow> {
    const next = await this.db
      .selectFrom('dashboard_tiles')
      .select(sql<number>`coalesce(max(position), -1) + 1`.as('position'))
      .where('municipality_id', '=', municipalityId)
      .executeTakeFirstOrThrow();
    const row = await this.db
      .insertInto('dashboard_tiles')
      .values({
        municipality_id: municipalityId,
        on_region: input.onRegion,
        position: Number(next.position),
        draft: JSON.stringify(input.draft),
        created_by: input.createdBy,
      })
      .returning(TILE_COLUMNS)
      .executeTakeFirstOrThrow();
    return row as unknown as TileRow;
  }

  async updateDraft(
    municipalityId: string,
    id: string,
    input: { draft: TileConfig; onRegion: boolean },
  ): Promise<TileRow | undefined> {
    const row = await this.db
      .updateTable('dashboard_tiles')
      .set({
        draft: JSON.stringify(input.draft),
        on_region: input.onRegion,
        version: sql<number>`version + 1`,
        updated_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returning(TILE_COLUMNS)
      .executeTakeFirst();
    return row as unknown as TileRow | undefined;
  }

  async setPublished(
    municipalityId: string,
    id: string,
    published: TileConfig | null,
  ): Promise<TileRow | undefined> {
    const row = await this.db
      .updateTable('dashboard_tiles')
      .set({
        published: published ? JSON.stringify(published) : null,
        published_at: published ? new Date() : null,
        updated_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returning(TILE_COLUMNS)
      .executeTakeFirst();
    return row as unknown as TileRow | undefined;
  }

  async setPositions(municipalityId: string, ids: readonly string[]): Promise<void> {
    for (const [position, id] of ids.entries())
      await this.db
        .updateTable('dashboard_tiles')
        .set({ position })
        .where('municipality_id', '=', municipalityId)
        .where('id', '=', id)
        .execute();
  }

  async delete(municipalityId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('dashboard_tiles')
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async addVersion(
    municipalityId: string,
    tile: Pick<TileRow, 'id' | 'version'>,
    action: DashboardTileAction,
    config: TileConfig,
    actor: { id: string | null; name: string },
  ): Promise<void> {
    await this.db
      .insertInto('dashboard_tile_versions')
      .values({
        tile_id: tile.id,
        version: tile.version,
        municipality_id: municipalityId,
        action,
        config: JSON.stringify(config),
        actor_id: actor.id,
        actor_name: actor.name,
      })
      .execute();
  }

  async history(municipalityId: string, tileId: string) {
    const rows = await this.db
      .selectFrom('dashboard_tile_versions')
      .select(['version', 'action', 'config', 'actor_name', 'created_at'])
      .where('municipality_id', '=', municipalityId)
      .where('tile_id', '=', tileId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
    return rows.map((r) => ({ ...r, config: r.config as unknown as TileConfig }));
  }

  /** Published tiles of these municipalities, in their order; `regionOnly` for the region's dashboard. */
  async publishedTiles(municipalityIds: readonly string[], regionOnly: boolean): Promise<PublishedTileRow[]> {
    if (municipalityIds.length === 0) return [];
    let query = this.db
      .selectFrom('dashboard_tiles')
      .innerJoin('municipalities', 'municipalities.id', 'dashboard_tiles.municipality_id')
      .select([...TILE_COLUMNS, 'municipalities.name as municipality_name'])
      .where('dashboard_tiles.municipality_id', 'in', municipalityIds)
      .where('dashboard_tiles.published', 'is not', null);
    if (regionOnly) query = query.where('dashboard_tiles.on_region', '=', true);
    const rows = await query
      .orderBy('dashboard_tiles.position')
      .orderBy('municipalities.name')
      .orderBy('dashboard_tiles.created_at')
      .execute();
    return rows as unknown as PublishedTileRow[];
  }

  async publishedTile(id: string): Promise<PublishedTileRow | undefined> {
    const row = await this.db
      .selectFrom('dashboard_tiles')
      .innerJoin('municipalities', 'municipalities.id', 'dashboard_tiles.municipality_id')
      .select([...TILE_COLUMNS, 'municipalities.name as municipality_name'])
      .where('dashboard_tiles.id', '=', id)
      .where('dashboard_tiles.published', 'is not', null)
      .executeTakeFirst();
    return row as unknown as PublishedTileRow | undefined;
  }

  /**
   * Published Datastreams among `ids` (optionally of one municipality), with the Thing's published
   * Location. Unpublished ids are simply missing from the answer.
   */
  async publishedDatastreams(ids: readonly number[], municipalityId?: string): Promise<DatastreamInfo[]> {
    if (ids.length === 0 && !municipalityId) return [];
    let query = this.db
      .selectFrom('sensor_datastreams as d')
      .innerJoin('sensor_things as t', 't.id', 'd.thing_id')
      .select((eb) => [
        'd.id',
        'd.municipality_id',
        'd.name',
        'd.unit_of_measurement',
        't.name as thing_name',
        eb
          .selectFrom('sensor_thing_locations as tl')
          .innerJoin('sensor_locations as l', 'l.id', 'tl.location_id')
          .select('l.location')
          .whereRef('tl.thing_id', '=', 'd.thing_id')
          .where(sql<string>`l.id::text`, 'in', publishedIdsQuery(this.db, 'location'))
          .orderBy('l.id')
          .limit(1)
          .as('location'),
      ])
      .where(sql<string>`d.id::text`, 'in', publishedIdsQuery(this.db, 'datastream'));
    if (ids.length > 0) query = query.where('d.id', 'in', [...ids]);
    if (municipalityId) query = query.where('d.municipality_id', '=', municipalityId);
    const rows = await query.orderBy('t.name').orderBy('d.name').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      municipalityId: r.municipality_id,
      name: r.name,
      unit: unitLabel(r.unit_of_measurement),
      thingName: r.thing_name,
      location: pointOf(r.location),
    }));
  }

  /** Which of `ids` are published Datastreams, for the SSE filter (one query per stored batch). */
  async publishedAmong(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sensor_datastreams as d')
      .select(['d.id', 'd.municipality_id'])
      .where('d.id', 'in', [...ids])
      .where(sql<string>`d.id::text`, 'in', publishedIdsQuery(this.db, 'datastream'))
      .execute();
    return new Map(rows.map((r) => [Number(r.id), r.municipality_id]));
  }
}
