// SQL of storing observations. Kept apart from the SensorThings query layer because this is the hot path.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';

export interface StreamOwner {
  id: number;
  thingId: number;
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

const INSERT_CHUNK = 1000;

export class ObservationRepository {
  constructor(private readonly db: Database) {}

  /** The municipality's Datastreams among `ids`, with their Thing. */
  async datastreamsOf(municipalityId: string, ids: number[]): Promise<StreamOwner[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('sensor_datastreams')
      .select(['id', 'thing_id as thingId'])
      .where('municipality_id', '=', municipalityId)
      .where('id', 'in', ids)
      .execute();
  }

  async multiDatastreamsOf(municipalityId: string, ids: number[]): Promise<StreamOwner[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('sensor_multi_datastreams')
      .select(['id', 'thing_id as thingId'])
      .where('municipality_id', '=', municipalityId)
      .where('id', 'in', ids)
      .execute();
  }

  async featuresExist(municipalityId: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('sensor_features_of_interest')
      .select('id')
      .where('municipality_id', '=', municipalityId)
      .where('id', 'in', ids)
      .execute();
    return rows.map((r) => r.id);
  }

  /** The Thing's current Location (the one linked most recently, by id), if any. */
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

  async insert(rows: ObservationRow[]): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const inserted = await this.db
        .insertInto('sensor_observations')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .returning('id')
        .execute();
      ids.push(...inserted.map((r) => r.id));
    }
    return ids;
  }

  /** Widens the phenomenon and result time extents of the streams that received observations. */
  async widenTimeExtents(
    table: 'sensor_datastreams' | 'sensor_multi_datastreams',
    id: number,
    start: Date,
    end: Date,
    resultStart: Date | null,
    resultEnd: Date | null,
  ): Promise<void> {
    await this.db
      .updateTable(table)
      .set({
        phenomenon_time_start: sql`least(phenomenon_time_start, ${start})`,
        phenomenon_time_end: sql`greatest(phenomenon_time_end, ${end})`,
        result_time_start: resultStart
          ? sql`least(result_time_start, ${resultStart})`
          : sql`result_time_start`,
        result_time_end: resultEnd ? sql`greatest(result_time_end, ${resultEnd})` : sql`result_time_end`,
      })
      .where('id', '=', id)
      .execute();
  }
}
