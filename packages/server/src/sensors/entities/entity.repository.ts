// SQL of the SensorThings entity sets: generic reads (conditions and ordering come compiled from the query
// layer), and the writes of entities and their link tables. Every read is given the visibility condition
// by its caller; every write is scoped by municipality.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { EntityDef, Sql, TableName } from './model.js';

export type Row = Record<string, unknown> & { id: number; municipality_id: string };

const r = (s: string) => sql.raw(s);
const and = (conditions: Sql[]) => (conditions.length > 0 ? sql.join(conditions, sql` and `) : sql`true`);

export class EntityRepository {
  constructor(private readonly db: Database) {}

  /**
   * Rows of `def` (alias t0) matching all conditions, ordered, paged. `join` (a join clause) lists a
   * row once per joined row, e.g. once per position in a link table.
   */
  async list(
    def: EntityDef,
    where: Sql[],
    orderBy: Sql[],
    limit: number,
    offset: number,
    join: Sql = sql``,
  ): Promise<Row[]> {
    const order = sql.join([...orderBy, r('t0.id asc')], sql`, `);
    const result = await sql<Row>`select t0.* from ${r(def.table)} t0 ${join} where ${and(where)}
      order by ${order} limit ${limit} offset ${offset}`.execute(this.db);
    return result.rows;
  }

  async count(def: EntityDef, where: Sql[], join: Sql = sql``): Promise<number> {
    const result = await sql<{
      n: number;
    }>`select count(*)::integer as n from ${r(def.table)} t0 ${join} where ${and(where)}`.execute(this.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** The municipality of an entity, if it exists among `owned` (alias t0 in the condition). */
  async municipalityOf(table: TableName, id: number, owned: Sql): Promise<string | undefined> {
    const result = await sql<{ municipality_id: string }>`select t0.municipality_id from ${r(table)} t0
      where t0.id = ${id} and ${owned}`.execute(this.db);
    return result.rows[0]?.municipality_id;
  }

  async exists(table: TableName, id: number, municipalityId: string): Promise<boolean> {
    const result =
      await sql`select 1 from ${r(table)} where id = ${id} and municipality_id = ${municipalityId}`.execute(
        this.db,
      );
    return result.rows.length > 0;
  }

  async insert(table: TableName, values: Record<string, unknown>): Promise<number> {
    const row = await this.db
      .insertInto(table)
      .values(values as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(
    table: TableName,
    id: number,
    municipalityId: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    if (Object.keys(values).length === 0) return;
    await this.db
      .updateTable(table)
      .set(values as never)
      .where('id', '=', id)
      .where('municipality_id', '=', municipalityId)
      .execute();
  }

  async delete(table: TableName, id: number, municipalityId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom(table)
      .where('id', '=', id)
      .where('municipality_id', '=', municipalityId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Deletes the municipality's rows among `ids` (DELETE on a collection of Observations). */
  async deleteMany(table: TableName, ids: number[], municipalityId: string): Promise<void> {
    await this.db
      .deleteFrom(table)
      .where('id', '=', sql<number>`any(${ids}::bigint[])`)
      .where('municipality_id', '=', municipalityId)
      .execute();
  }

  async linkThingLocation(thingId: number, locationId: number): Promise<void> {
    await this.db
      .insertInto('sensor_thing_locations')
      .values({ thing_id: thingId, location_id: locationId })
      .onConflict((oc) => oc.columns(['thing_id', 'location_id']).doNothing())
      .execute();
  }

  async unlinkThingLocations(thingId: number): Promise<void> {
    await this.db.deleteFrom('sensor_thing_locations').where('thing_id', '=', thingId).execute();
  }

  async unlinkThingLocation(thingId: number, locationId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('sensor_thing_locations')
      .where('thing_id', '=', thingId)
      .where('location_id', '=', locationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async locationsOfThing(thingId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('sensor_thing_locations')
      .select('location_id')
      .where('thing_id', '=', thingId)
      .execute();
    return rows.map((row) => row.location_id);
  }

  async linkHistoricalLocation(historicalLocationId: number, locationId: number): Promise<void> {
    await this.db
      .insertInto('sensor_historical_location_locations')
      .values({ historical_location_id: historicalLocationId, location_id: locationId })
      .onConflict((oc) => oc.columns(['historical_location_id', 'location_id']).doNothing())
      .execute();
  }

  /**
   * The Locations of HistoricalLocation `id` and its Thing when it is the Thing's latest one (no other of
   * the Thing at the same time or later); undefined otherwise.
   */
  async latestHistoricalLocation(
    id: number,
    municipalityId: string,
  ): Promise<{ thingId: number; locationIds: number[] } | undefined> {
    const row = await this.db
      .selectFrom('sensor_historical_locations as h')
      .select('h.thing_id')
      .where('h.id', '=', id)
      .where('h.municipality_id', '=', municipalityId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sensor_historical_locations as o')
              .select('o.id')
              .whereRef('o.thing_id', '=', 'h.thing_id')
              .whereRef('o.time', '>=', 'h.time')
              .where('o.id', '<>', id),
          ),
        ),
      )
      .executeTakeFirst();
    if (!row) return undefined;
    const locations = await this.db
      .selectFrom('sensor_historical_location_locations')
      .select('location_id')
      .where('historical_location_id', '=', id)
      .execute();
    return { thingId: row.thing_id, locationIds: locations.map((l) => l.location_id) };
  }

  async linkMultiDatastreamObservedProperty(
    multiDatastreamId: number,
    observedPropertyId: number,
    position: number,
  ) {
    await this.db
      .insertInto('sensor_multi_datastream_observed_properties')
      .values({ multi_datastream_id: multiDatastreamId, observed_property_id: observedPropertyId, position })
      .execute();
  }

  async setForeignKey(table: TableName, id: number, municipalityId: string, column: string, value: number) {
    await this.update(table, id, municipalityId, { [column]: value });
  }

  /** Deleting a Location removes HistoricalLocations left without any Location. */
  async deleteHistoricalLocationsOnlyOf(locationId: number): Promise<void> {
    await sql`delete from sensor_historical_locations h where exists (select 1 from sensor_historical_location_locations x
        where x.historical_location_id = h.id and x.location_id = ${locationId})
      and not exists (select 1 from sensor_historical_location_locations y where y.historical_location_id = h.id and y.location_id <> ${locationId})`.execute(
      this.db,
    );
  }

  async deleteObservationsOfFeature(featureId: number): Promise<void> {
    await this.db.deleteFrom('sensor_observations').where('feature_of_interest_id', '=', featureId).execute();
  }

  async deleteMultiDatastreamsOfObservedProperty(observedPropertyId: number): Promise<void> {
    await sql`delete from sensor_multi_datastreams m where exists (select 1 from sensor_multi_datastream_observed_properties j
      where j.multi_datastream_id = m.id and j.observed_property_id = ${observedPropertyId})`.execute(
      this.db,
    );
  }
}
