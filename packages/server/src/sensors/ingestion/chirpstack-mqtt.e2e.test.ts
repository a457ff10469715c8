import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { createTestTenant } from '../../test-support/factories.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { sensorServices } from './sensor-services.js';
import { sample } from './test-samples.js';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
// This file's own ChirpStack application: its topics are unique to this run.
const applicationId = randomUUID();

let server: TestServer;
let publisher: MqttClient;
before(async () => {
  server = await startTestServer({
    webDist: null,
    env: {
      CHIRPSTACK_MQTT_URL: BROKER,
      CHIRPSTACK_MQTT_TOPIC: `application/${applicationId}/device/+/event/+`,
      CHIRPSTACK_MQTT_SHARE_GROUP: `test-${applicationId.slice(0, 8)}`,
    },
  });
  publisher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-${applicationId.slice(0, 8)}` });
});
after(async () => {
  await publisher?.endAsync();
  await server?.close();
});

async function gaugeWithIntegration() {
  const { municipality } = await createTestTenant(server.ctx.db);
  const { devices } = sensorServices(server.ctx);
  const actor = systemActor('test');
  // One application id per file, so the integration of the first test is reused by the others.
  const existing = await devices.integrationForChirpstackApplication(applicationId);
  const municipalityId = existing?.municipality_id ?? municipality.id;
  const integration =
    existing ??
    (
      await devices.createIntegration(
        municipalityId,
        { name: 'ChirpStack', networkServer: 'chirpstack', chirpstackApplicationId: applicationId },
        actor,
      )
    ).integration;
  const device = await devices.create(
    municipalityId,
    {
      devEui: randomBytes(8).toString('hex'),
      name: 'Glascontainer Marktplatz',
      profile: 'container-fill',
      integrationId: integration.id,
      mounting: { containerDepthMm: 1000 },
      location: { latitude: 50.4, longitude: 9.6 },
    },
    actor,
  );
  const datastreamId = (device.field_map as Record<string, number>).fill_level_pct!;
  const count = async () =>
    (
      await server.ctx.db
        .selectFrom('sensor_observations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('datastream_id', '=', datastreamId)
        .executeTakeFirstOrThrow()
    ).n;
  return { device, municipalityId, count };
}

function upEvent(devEui: string, fCnt: number) {
  const body = structuredClone(sample('chirpstack-v4-up-container-fill.json')) as Record<string, unknown> & {
    deviceInfo: Record<string, unknown>;
  };
  body.deviceInfo.devEui = devEui.toLowerCase();
  body.deviceInfo.applicationId = applicationId;
  body.deduplicationId = randomUUID();
  body.fCnt = fCnt;
  return body;
}

const topicOf = (devEui: string, event = 'up') =>
  `application/${applicationId}/device/${devEui.toLowerCase()}/event/${event}`;

test('an up event on the ChirpStack topic is stored once, also when the broker delivers it twice', async () => {
  const { device, count } = await gaugeWithIntegration();
  const event = upEvent(device.dev_eui, 7);
  await publisher.publishAsync(topicOf(device.dev_eui), JSON.stringify(event), { qos: 1 });
  await waitFor('the observation', async () => ((await count()) === 1 ? true : undefined));
  await publisher.publishAsync(topicOf(device.dev_eui), JSON.stringify(event), { qos: 1 });
  await publisher.publishAsync(topicOf(device.dev_eui), JSON.stringify(upEvent(device.dev_eui, 8)), {
    qos: 1,
  });
  await waitFor('the second frame', async () => ((await count()) === 2 ? true : undefined));
  const { devices } = sensorServices(server.ctx);
  const health = await devices.get(device.municipality_id, device.id);
  assert.equal(health.f_cnt, 8);
  assert.equal(health.battery_mv, 3200);
});

test('garbage on the topic is dropped and the subscription goes on; status events update the battery', async () => {
  const { device, municipalityId, count } = await gaugeWithIntegration();
  await publisher.publishAsync(topicOf(device.dev_eui), 'this is not json', { qos: 1 });
  await publisher.publishAsync(topicOf(device.dev_eui), JSON.stringify({ deviceInfo: {} }), { qos: 1 });
  await publisher.publishAsync(topicOf(device.dev_eui), JSON.stringify(upEvent(device.dev_eui, 1)), {
    qos: 1,
  });
  await waitFor('the good event after the bad ones', async () => ((await count()) === 1 ? true : undefined));
  await publisher.publishAsync(
    topicOf(device.dev_eui, 'status'),
    JSON.stringify({
      deviceInfo: { devEui: device.dev_eui },
      time: new Date().toISOString(),
      batteryLevel: 42,
    }),
    { qos: 1 },
  );
  const { devices } = sensorServices(server.ctx);
  await waitFor('the battery level', async () =>
    (await devices.get(municipalityId, device.id)).battery_percent === 42 ? true : undefined,
  );
});
