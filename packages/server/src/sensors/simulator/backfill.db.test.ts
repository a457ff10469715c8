import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { sensorServices } from '../ingestion/sensor-services.js';
import { DEMO_SENSORS } from './demo-sensors.js';
import { enqueueBackfill, runBackfillChunk } from './simulator.js';

const handle = await testDatabase();
after(() => handle.close());

test('back-fill chunks write the expected observations once, however often they run', async () => {
  const config = parseConfig({ NODE_ENV: 'test', SIMULATOR_BACKFILL_DAYS: '0.5', SIMULATOR_SEED: 'db-test' });
  const ctx = createContext(config, handle);
  const { municipality } = await createTestTenant(handle.db);
  const sensor = DEMO_SENSORS.find((s) => s.profile === 'water-level')!;
  const device = await sensorServices(ctx).devices.create(
    municipality.id,
    {
      devEui: randomUUID().replace(/-/g, '').slice(0, 16),
      name: sensor.name,
      profile: sensor.profile,
      mounting: sensor.mounting,
      location: { latitude: sensor.latitude, longitude: sensor.longitude },
    },
    systemActor('test'),
  );
  const now = Date.UTC(2026, 10, 20, 12, 7);
  assert.equal(await enqueueBackfill(ctx.jobs, config, device, sensor, now), 1, 'half a day is one chunk');
  const job = await handle.db
    .selectFrom('jobs')
    .select(['payload', 'municipality_id'])
    .where('unique_key', 'like', `backfill:${device.dev_eui}:%`)
    .executeTakeFirstOrThrow();
  const payload = job.payload as Parameters<typeof runBackfillChunk>[1];
  assert.equal(payload.from, '2026-11-20T00:00:00.000Z');
  assert.equal(payload.to, '2026-11-20T12:00:00.000Z', 'up to the slot the live simulator starts with');

  assert.equal(await runBackfillChunk(ctx, payload), 48, '12 hours of 15-minute values');
  assert.equal(await runBackfillChunk(ctx, payload), 0, 'a second run writes nothing');
  const datastreamId = (device.field_map as Record<string, number>).water_level_cm!;
  const rows = await handle.db
    .selectFrom('sensor_observations')
    .select(['result_number', 'phenomenon_time_start'])
    .where('datastream_id', '=', datastreamId)
    .orderBy('phenomenon_time_start')
    .execute();
  assert.equal(rows.length, 48);
  assert.equal(rows[0]!.phenomenon_time_start.toISOString(), '2026-11-20T00:00:00.000Z');
  assert.ok(rows.every((r) => r.result_number! > 0 && r.result_number! < 320));
  const stream = await handle.db
    .selectFrom('sensor_datastreams')
    .select(['phenomenon_time_start', 'phenomenon_time_end'])
    .where('id', '=', datastreamId)
    .executeTakeFirstOrThrow();
  assert.equal(stream.phenomenon_time_end?.toISOString(), '2026-11-20T11:45:00.000Z');
});
