// Test fixtures of this folder: a Thing with a Location, and Datastreams on it, in a test's own tenant.
import type { Database } from '../../core/db/database.js';

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
