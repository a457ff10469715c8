// SQL of the device registry: devices and their health, the SensorThings entities a device gets, custom
// decoders. Every read of tenant data takes the municipality.
import { sql, type Selectable } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { SensorDevicesTable } from '../../core/db/schema.js';
import type { Unit } from './profiles.js';

export type DeviceRow = Selectable<SensorDevicesTable>;

export interface HealthUpdate {
  lastSeenAt?: Date;
  batteryMv?: number | null;
  batteryPercent?: number | null;
  rssi?: number | null;
  snr?: number | null;
  fCnt?: number | null;
  lastError?: string | null;
}

export class DeviceRepository {
  constructor(private readonly db: Database) {}

  list(municipalityId: string): Promise<DeviceRow[]> {
    return this.db
      .selectFrom('sensor_devices')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  find(municipalityId: string, id: number): Promise<DeviceRow | undefined> {
    return this.db
      .selectFrom('sensor_devices')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** DevEUIs are unique on the platform; the caller checks the municipality against the integration. */
  findByDevEui(devEui: string): Promise<DeviceRow | undefined> {
    return this.db.selectFrom('sensor_devices').selectAll().where('dev_eui', '=', devEui).executeTakeFirst();
  }

  async insert(values: {
    municipalityId: string;
    integrationId: string | null;
    devEui: string;
    name: string;
    profile: string;
    thingId: number;
    fieldMap: Record<string, number>;
    mounting: Record<string, number>;
  }): Promise<DeviceRow> {
    return this.db
      .insertInto('sensor_devices')
      .values({
        municipality_id: values.municipalityId,
        integration_id: values.integrationId,
        dev_eui: values.devEui,
        name: values.name,
        profile: values.profile,
        thing_id: values.thingId,
        field_map: JSON.stringify(values.fieldMap),
        mounting: JSON.stringify(values.mounting),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(
    municipalityId: string,
    id: number,
    values: {
      name?: string;
      mounting?: Record<string, number>;
      integrationId?: string | null;
      status?: 'active' | 'disabled';
    },
  ): Promise<DeviceRow | undefined> {
    return this.db
      .updateTable('sensor_devices')
      .set({
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.mounting !== undefined ? { mounting: JSON.stringify(values.mounting) } : {}),
        ...(values.integrationId !== undefined ? { integration_id: values.integrationId } : {}),
        ...(values.status !== undefined ? { status: values.status } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Health from an uplink or event; only the given fields change. */
  async updateHealth(municipalityId: string, id: number, health: HealthUpdate): Promise<void> {
    const set: Record<string, unknown> = {};
    if (health.lastSeenAt)
      set.last_seen_at = sql`greatest(coalesce(last_seen_at, ${health.lastSeenAt}), ${health.lastSeenAt})`;
    if (health.batteryMv != null) set.battery_mv = health.batteryMv;
    if (health.batteryPercent != null) set.battery_percent = health.batteryPercent;
    if (health.rssi != null) set.rssi = health.rssi;
    if (health.snr != null) set.snr = health.snr;
    if (health.fCnt != null) set.f_cnt = health.fCnt;
    if (health.lastError !== undefined) {
      set.last_error = health.lastError;
      set.last_error_at = health.lastError === null ? null : sql`now()`;
    }
    if (Object.keys(set).length === 0) return;
    await this.db
      .updateTable('sensor_devices')
      .set(set)
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .execute();
  }

  // --- SensorThings entities of a new device --------------------------------------------------------

  async insertThing(
    municipalityId: string,
    name: string,
    description: string,
    properties: Record<string, unknown>,
  ): Promise<number> {
    const row = await this.db
      .insertInto('sensor_things')
      .values({
        municipality_id: municipalityId,
        name,
        description,
        properties: JSON.stringify(properties),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertPointLocation(
    municipalityId: string,
    thingId: number,
    name: string,
    longitude: number,
    latitude: number,
  ): Promise<number> {
    const row = await this.db
      .insertInto('sensor_locations')
      .values({
        municipality_id: municipalityId,
        name,
        description: '',
        encoding_type: 'application/geo+json',
        location: JSON.stringify({ type: 'Point', coordinates: [longitude, latitude] }),
        min_x: longitude,
        min_y: latitude,
        max_x: longitude,
        max_y: latitude,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('sensor_thing_locations')
      .values({ thing_id: thingId, location_id: row.id })
      .execute();
    const historical = await this.db
      .insertInto('sensor_historical_locations')
      .values({ municipality_id: municipalityId, thing_id: thingId, time: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('sensor_historical_location_locations')
      .values({ historical_location_id: historical.id, location_id: row.id })
      .execute();
    return row.id;
  }

  async insertSensor(
    municipalityId: string,
    name: string,
    description: string,
    metadata: string,
  ): Promise<number> {
    const row = await this.db
      .insertInto('sensor_sensors')
      .values({
        municipality_id: municipalityId,
        name,
        description,
        encoding_type: 'text/plain',
        metadata,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** The municipality's ObservedProperty with this definition, created on first use. */
  async observedProperty(
    municipalityId: string,
    value: { name: string; definition: string; description: string },
  ): Promise<number> {
    const existing = await this.db
      .selectFrom('sensor_observed_properties')
      .select('id')
      .where('municipality_id', '=', municipalityId)
      .where('definition', '=', value.definition)
      .orderBy('id')
      .executeTakeFirst();
    if (existing) return existing.id;
    const row = await this.db
      .insertInto('sensor_observed_properties')
      .values({ municipality_id: municipalityId, ...value })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertDatastream(values: {
    municipalityId: string;
    thingId: number;
    sensorId: number;
    observedPropertyId: number;
    name: string;
    description: string;
    unit: Unit;
    properties: Record<string, unknown>;
  }): Promise<number> {
    const row = await this.db
      .insertInto('sensor_datastreams')
      .values({
        municipality_id: values.municipalityId,
        thing_id: values.thingId,
        sensor_id: values.sensorId,
        observed_property_id: values.observedPropertyId,
        name: values.name,
        description: values.description,
        observation_type: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
        unit_of_measurement: JSON.stringify(values.unit),
        properties: JSON.stringify(values.properties),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async locationIdsOfThing(thingId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('sensor_thing_locations')
      .select('location_id')
      .where('thing_id', '=', thingId)
      .execute();
    return rows.map((r) => r.location_id);
  }

  // --- custom decoders -------------------------------------------------------------------------------

  async customDecoder(municipalityId: string, profile: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('sensor_profile_decoders')
      .select('code')
      .where('municipality_id', '=', municipalityId)
      .where('profile', '=', profile)
      .executeTakeFirst();
    return row?.code;
  }

  async customDecoders(
    municipalityId: string,
  ): Promise<{ profile: string; code: string; updatedAt: Date }[]> {
    const rows = await this.db
      .selectFrom('sensor_profile_decoders')
      .select(['profile', 'code', 'updated_at'])
      .where('municipality_id', '=', municipalityId)
      .execute();
    return rows.map((r) => ({ profile: r.profile, code: r.code, updatedAt: r.updated_at }));
  }

  async saveCustomDecoder(municipalityId: string, profile: string, code: string): Promise<void> {
    await this.db
      .insertInto('sensor_profile_decoders')
      .values({ municipality_id: municipalityId, profile, code })
      .onConflict((oc) =>
        oc.columns(['municipality_id', 'profile']).doUpdateSet({ code, updated_at: sql<Date>`now()` }),
      )
      .execute();
  }

  async deleteCustomDecoder(municipalityId: string, profile: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('sensor_profile_decoders')
      .where('municipality_id', '=', municipalityId)
      .where('profile', '=', profile)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
