import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { PROFILES } from '../devices/profiles.js';
import { SimulatorRepository } from './simulator.repository.js';
import { DEMO_SENSORS, demoDevEui } from './demo-sensors.js';

let server: TestServer;
before(async () => {
  // Six hours of history instead of a year.
  server = await startTestServer({
    seedDemo: true,
    webDist: null,
    env: { SIMULATOR_ENABLED: 'true', SIMULATOR_BACKFILL_DAYS: '0.25' },
  });
});
after(() => server.close());

test('the demo start registers the sensors, publishes their Datastreams, back-fills and simulates', async () => {
  const admin = new TestClient(server.url);
  assert.equal((await admin.login('admin@test.example', 'Plattform-Testpasswort-42')).status, 200);
  const flieden = await server.ctx.tenancy.municipalityBySlug('flieden');
  const list = await admin.get<{
    devices: { devEui: string; profile: string; datastreams: Record<string, number> }[];
  }>(`/api/municipalities/${flieden.id}/devices`);
  assert.equal(list.status, 200);
  const expected = DEMO_SENSORS.filter((s) => s.municipality === 'flieden');
  assert.deepEqual(list.body.devices.map((d) => d.devEui).sort(), expected.map(demoDevEui).sort());
  assert.deepEqual([...new Set(list.body.devices.map((d) => d.profile))].sort(), [
    'container-fill',
    'parking',
    'water-level',
    'weather-station',
  ]);
  const published = await server.ctx.publications.listPublished('datastream', flieden.id);
  for (const device of list.body.devices)
    for (const id of Object.values(device.datastreams))
      assert.ok(published.includes(String(id)), `${id} published`);

  // Every demo sensor's six hours: 24 slots per measurement.
  const measurements = DEMO_SENSORS.reduce((n, s) => n + PROFILES[s.profile].measurements.length, 0);
  const repository = new SimulatorRepository(server.ctx.db);
  const totals = await waitFor(
    'the back-fill jobs',
    async () => {
      const done = await repository.chunkObservations('70B3D5');
      return done.chunks === DEMO_SENSORS.length ? done : undefined;
    },
    60_000,
  );
  assert.equal(totals.observations, 24 * measurements);

  // The live simulator sends the current slot through the ingestion: the devices have been seen.
  await waitFor('the first simulated uplinks', async () => {
    const devices = await server.ctx.db
      .selectFrom('sensor_devices')
      .select('last_seen_at')
      .where('dev_eui', 'in', DEMO_SENSORS.map(demoDevEui))
      .execute();
    return devices.every((d) => d.last_seen_at !== null) ? true : undefined;
  });
});
