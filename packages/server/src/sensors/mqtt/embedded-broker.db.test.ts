// The embedded MQTT broker on the lane's database (PGlite and PostgreSQL): creating Observations by
// publishing (mqtt.js and mosquitto_pub), PUBACK only after the commit, authentication and the write
// policy, subscriptions to entity sets, entities and properties with the reader's visibility.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { sql } from 'kysely';
import { pino } from 'pino';
import { parseConfig } from '../../config.js';
import { openDatabase } from '../../core/db/database.js';
import { startPlatform } from '../../server.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { ROOT } from '../sensorthings/sta-fixtures.js';
import type { StoredObservation } from '../observations/observation.types.js';
import { MqttPortInUseError } from './embedded-broker.js';
import { MQTT_CREATE_CONFORMANCE, MQTT_RECEIVE_CONFORMANCE, startMqtt } from './index.js';
import { collect, credential, freePort, mqttTenant, received, run } from './mqtt-fixtures.js';
import { isPermanentRejection } from './sta-mqtt.js';

let server: TestServer;
let port: number;
const clients: MqttClient[] = [];

before(async () => {
  port = await freePort();
  server = await startTestServer({
    webDist: null,
    env: { MQTT_ENABLED: 'true', MQTT_HOST: '127.0.0.1', MQTT_PORT: String(port) },
  });
});
after(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await server.close();
});

async function connect(options: mqtt.IClientOptions = {}, url = `mqtt://127.0.0.1:${port}`) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  clients.push(client);
  return client;
}

async function observationCount(
  staff: { list: (p: string) => Promise<{ body: { '@iot.count'?: number } }> },
  ds: number,
) {
  return (await staff.list(`/Datastreams(${ds})/Observations?$count=true&$top=0`)).body['@iot.count'];
}

describe('service root', () => {
  test('announces creating and receiving via MQTT with the endpoints', async () => {
    const res = await fetch(`${server.url}${ROOT}`);
    const body = (await res.json()) as {
      serverSettings: Record<string, unknown> & { conformance: string[] };
    };
    assert.ok(body.serverSettings.conformance.includes(MQTT_CREATE_CONFORMANCE));
    assert.ok(body.serverSettings.conformance.includes(MQTT_RECEIVE_CONFORMANCE));
    const endpoints = (body.serverSettings[MQTT_CREATE_CONFORMANCE] as { endpoints: string[] }).endpoints;
    assert.ok(endpoints.includes(`mqtt://localhost:${port}`), endpoints.join());
    assert.ok(endpoints.some((e) => e.endsWith('/mqtt') && e.startsWith('ws://')));
  });
});

describe('creating Observations by publishing', () => {
  test('QoS 1 with an API key: the Observation is readable as soon as the PUBACK arrives', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const key = await credential(staff, municipality.id);
    const device = await connect({ username: 'apikey', password: key });
    await device.publishAsync(
      `v1.1/Datastreams(${datastream})/Observations`,
      JSON.stringify({ phenomenonTime: '2026-11-21T10:00:00Z', result: 21.5 }),
      { qos: 1 },
    );
    assert.equal(await observationCount(staff, datastream), 1);
    await device.publishAsync(
      'v1.1/Observations',
      JSON.stringify({ result: 22, Datastream: { '@iot.id': datastream } }),
      { qos: 1 },
    );
    const list = await staff.list(`/Datastreams(${datastream})/Observations?$orderby=id`);
    assert.deepEqual(
      list.body.value.map((o) => o.result),
      [21.5, 22],
    );
    // The FeatureOfInterest was derived as over HTTP.
    const foi = await staff.sta(
      'GET',
      `/Observations(${list.body.value[1]!['@iot.id'] as number})/FeatureOfInterest`,
    );
    assert.equal(foi.status, 200);
  });

  test('an app password with the account e-mail, and mosquitto_pub as a client', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const password = await credential(staff, municipality.id, 'app_password', ['mqtt']);
    const me = await staff.get<{ user: { email: string } }>('/api/auth/session');
    const email = me.body.user.email;
    const device = await connect({ username: email, password });
    await device.publishAsync(`v1.1/Datastreams(${datastream})/Observations`, '{"result": 1}', { qos: 1 });
    const key = await credential(staff, municipality.id);
    await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', 'apikey', '-P', key],
      ...['-t', `v1.1/Datastreams(${datastream})/Observations`, '-m', '{"result": 2}'],
    ]);
    // mosquitto_pub exits after the PUBACK of its QoS 1 message, so the value is stored now.
    assert.equal(await observationCount(staff, datastream), 2);
  });

  test('one Observation with its links, published at QoS 2 to each create topic (as the OGC suite does)', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const feature = await staff.create('/FeaturesOfInterest', {
      name: 'Messstelle',
      description: 'd',
      encodingType: 'application/geo+json',
      feature: { type: 'Point', coordinates: [8, 52] },
    });
    const key = await credential(staff, municipality.id);
    const device = await connect({ username: 'apikey', password: key, clientId: `links-${datastream}` });
    const errors = collect(device);
    await device.subscribeAsync(`srp/errors/links-${datastream}`);
    const observation = (result: number, links = { ds: datastream, foi: feature }) =>
      JSON.stringify({
        phenomenonTime: '2015-03-01T02:40:00+02:00',
        validTime: '2016-01-01T01:01:01.000Z/2016-01-01T23:59:59.000Z',
        result,
        parameters: { param1: 'some value1' },
        Datastream: { '@iot.id': links.ds },
        FeatureOfInterest: { '@iot.id': links.foi },
      });
    // The links repeat the topic's parent: the same Observation as on v1.1/Observations.
    const topics = [
      'v1.1/Observations',
      `v1.1/Datastreams(${datastream})/Observations`,
      `v1.1/FeaturesOfInterest(${feature})/Observations`,
    ];
    for (const [i, topic] of topics.entries()) await device.publishAsync(topic, observation(i), { qos: 2 });
    const stored = await staff.list(
      `/Datastreams(${datastream})/Observations?$orderby=result&$select=result,phenomenonTime,validTime&$expand=FeatureOfInterest($select=id)`,
    );
    assert.deepEqual(
      stored.body.value,
      topics.map((_, result) => ({
        result,
        phenomenonTime: '2015-03-01T00:40:00.000Z',
        validTime: '2016-01-01T01:01:01.000Z/2016-01-01T23:59:59.000Z',
        FeatureOfInterest: { '@iot.id': feature },
      })),
    );
    // A link to another parent than the topic's contradicts it.
    await device.publishAsync(topics[1]!, observation(9, { ds: datastream + 1000, foi: feature }), {
      qos: 1,
    });
    const [error] = await received(errors, `srp/errors/links-${datastream}`);
    assert.match((JSON.parse(error!) as { message: string }).message, /given by the URL already/);
    assert.equal(await observationCount(staff, datastream), 3);
    // HTTP POST agrees: the same parent again is accepted.
    const overHttp = await staff.sta('POST', `/Datastreams(${datastream})/Observations`, {
      result: 4,
      Datastream: { '@iot.id': datastream },
    });
    assert.equal(overHttp.status, 201, overHttp.text);
  });

  test('a wrong key, or none, cannot create anything', async () => {
    const { staff, datastream } = await mqttTenant(server);
    await assert.rejects(
      mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        username: 'apikey',
        password: 'srpk_wrong',
        reconnectPeriod: 0,
      }),
      /Bad username or password/i,
    );
    await assert.rejects(
      run('mosquitto_pub', [
        ...['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', 'someone@example.org', '-P', 'guess'],
        ...['-t', `v1.1/Datastreams(${datastream})/Observations`, '-m', '{"result": 2}'],
      ]),
    );
    const anonymous = await connect({ clientId: `anon-${datastream}` });
    const errors = collect(anonymous);
    await anonymous.subscribeAsync(`srp/errors/anon-${datastream}`);
    await anonymous.publishAsync(`v1.1/Datastreams(${datastream})/Observations`, '{"result": 3}', { qos: 1 });
    const [error] = await received(errors, `srp/errors/anon-${datastream}`);
    assert.equal((JSON.parse(error!) as { code: number }).code, 401);
    assert.equal(await observationCount(staff, datastream), 0);
  });

  test("another municipality's Datastream is refused; bad payloads are reported and the broker stays up", async () => {
    const { staff, otherStaff, other, datastream } = await mqttTenant(server);
    const foreignKey = await credential(otherStaff, other.id);
    const device = await connect({
      username: 'apikey',
      password: foreignKey,
      clientId: `foreign-${datastream}`,
    });
    const errors = collect(device);
    await device.subscribeAsync(`srp/errors/foreign-${datastream}`);
    const topic = `v1.1/Datastreams(${datastream})/Observations`;
    await device.publishAsync(topic, '{"result": 1}', { qos: 1 });
    await device.publishAsync(
      'v1.1/Observations',
      JSON.stringify({ result: 1, Datastream: { '@iot.id': datastream } }),
      {
        qos: 1,
      },
    );
    await device.publishAsync(topic, 'not json', { qos: 1 });
    await device.publishAsync('v1.1/Things', '{"name": "x"}', { qos: 1 });
    await device.publishAsync('anything/else', 'x', { qos: 0 });
    const messages = (await received(errors, `srp/errors/foreign-${datastream}`, 5)).map(
      (m) => JSON.parse(m) as { code: number; topic: string; message: string },
    );
    assert.deepEqual(
      messages.map((m) => m.code),
      [404, 400, 400, 400, 400],
    );
    assert.match(messages[2]!.message, /not JSON/);
    assert.equal(await observationCount(staff, datastream), 0);
    assert.equal(device.connected, true, 'rejections do not cost the connection');
  });

  test('a failing store sends no PUBACK; the client resends after reconnecting and it is stored once', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const key = await credential(staff, municipality.id);
    const observations = server.ctx.observations;
    const original = observations.create.bind(observations);
    let failures = 0;
    observations.create = async () => {
      failures++;
      throw new Error('disk full');
    };
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'apikey',
      password: key,
      clientId: `retry-${datastream}`,
      clean: false,
      reconnectPeriod: 100,
    });
    clients.push(device);
    let acknowledged = false;
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const publishing = device
      .publishAsync(`v1.1/Datastreams(${datastream})/Observations`, '{"result": 7}', { qos: 1 })
      .then(() => (acknowledged = true));
    await closed;
    assert.equal(acknowledged, false, 'no PUBACK for an Observation that was not stored');
    assert.ok(failures >= 1);
    observations.create = original;
    await publishing;
    assert.equal(await observationCount(staff, datastream), 1);
  });

  test('publishes arriving together share one commit; a bad one fails only itself', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const principal = await server.ctx.auth.principalFromBearer(await credential(staff, municipality.id));
    const sta = server.mqtt!.sta;
    const batches: number[] = [];
    const onStored = (stored: StoredObservation[]) => {
      const mine = stored.filter((o) => o.datastreamId === datastream).length;
      if (mine > 0) batches.push(mine);
    };
    server.ctx.observations.events.on('stored', onStored);
    const topic = `v1.1/Datastreams(${datastream})/Observations`;
    const publish = (minute: number, extra: object = {}) =>
      sta.createFromPublish(
        topic,
        Buffer.from(
          JSON.stringify({
            phenomenonTime: new Date(Date.UTC(2026, 0, 1, 0, minute)),
            result: minute,
            ...extra,
          }),
        ),
        principal,
      );
    try {
      // All in one go (as from one network read): they share one commit.
      const ids = await Promise.all(Array.from({ length: 10 }, (_, minute) => publish(minute)));
      assert.deepEqual(batches, [10]);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'stored in the order published',
      );

      // A message that fails inside the batch's transaction: the batch is stored in halves, and a
      // failing half in halves again, until the bad message is alone (it then fails by itself).
      batches.length = 0;
      const results = await Promise.allSettled([
        publish(10),
        ...[11, 12, 13].map((minute) => publish(minute)),
        publish(14, { FeatureOfInterest: { '@iot.id': 999_999_999 } }),
        publish(15),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
      );
      const rejection = (results[4] as PromiseRejectedResult).reason as unknown;
      assert.ok(isPermanentRejection(rejection), String(rejection));
      assert.match(String(rejection), /FeatureOfInterest/);
      // [10 11 12] [13 | 14 15 → 14 alone, 15]
      assert.deepEqual(batches, [3, 1, 1]);
    } finally {
      server.ctx.observations.events.off('stored', onStored);
    }
    const list = await staff.list(
      `/Datastreams(${datastream})/Observations?$orderby=phenomenonTime&$top=100`,
    );
    assert.deepEqual(
      list.body.value.map((o) => o.result),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15],
    );
  });

  test('the port in use stops the start with a message naming it', async () => {
    const blocker = net.createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        startTestServer({
          webDist: null,
          env: { MQTT_ENABLED: 'true', MQTT_HOST: '127.0.0.1', MQTT_PORT: String(taken) },
        }),
        (error: Error) =>
          error instanceof MqttPortInUseError &&
          error.message.includes(`${taken}`) &&
          /MQTT_PORT/.test(error.message),
      );
      // Stopped before the database was migrated and seeded.
      const database = await openDatabase({});
      try {
        await assert.rejects(
          startPlatform(
            parseConfig({
              MQTT_ENABLED: 'true',
              MQTT_HOST: '127.0.0.1',
              MQTT_PORT: String(taken),
              PORT: '0',
            }),
            { log: pino({ level: 'silent' }), database, webDist: null },
          ),
          MqttPortInUseError,
        );
        const tables = await sql<{
          n: number;
        }>`select count(*)::int as n from pg_tables where schemaname = 'public'`.execute(database.db);
        assert.equal(tables.rows[0]!.n, 0);
      } finally {
        await database.close();
      }
    } finally {
      blocker.close();
    }
  });

  test('a taken default port (MQTT_PORT not set) gives way: the platform runs without the embedded broker', async () => {
    const blocker = net.createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      // The default itself (1883) may be free or held by the machine's Mosquitto, so the test stands in
      // another taken port for it; what matters is that the operator did not choose it.
      const config = { ...server.ctx.config, MQTT_PORT: taken, mqttPortChosen: false };
      const extension = await startMqtt(
        { ...server.ctx, config },
        pino({ level: 'silent' }),
        server.app.server,
      );
      assert.equal(extension, null);
    } finally {
      blocker.close();
    }
  });
});

describe('subscriptions', () => {
  test("a Datastream's Observations: JSON as over HTTP, anonymous only when published", async () => {
    const { staff, municipality, datastream, publish } = await mqttTenant(server);
    const { datastream: hidden } = await mqttTenant(server, 'Unveröffentlicht');
    const key = await credential(staff, municipality.id);
    const device = await connect({ username: 'apikey', password: key });
    const anonymous = await connect();
    const seen = collect(anonymous);
    const topic = `v1.1/Datastreams(${datastream})/Observations`;
    const selected = `${topic}?$select=result,phenomenonTime`;
    const hiddenTopic = `v1.1/Datastreams(${hidden})/Observations`;
    await anonymous.subscribeAsync([topic, selected, hiddenTopic, 'v1.1/Observations'], { qos: 1 });

    // Not published yet: nothing for the public.
    await device.publishAsync(topic, '{"result": 1, "phenomenonTime": "2026-11-21T08:00:00Z"}', { qos: 1 });
    await server.mqtt!.idle();
    assert.equal(seen.size, 0);

    await publish();
    await device.publishAsync(topic, '{"result": 2, "phenomenonTime": "2026-11-21T09:00:00Z"}', { qos: 1 });
    const [json] = await received(seen, topic);
    const observation = JSON.parse(json!) as Record<string, unknown>;
    const overHttp = await staff.sta('GET', `/Observations(${observation['@iot.id'] as number})`);
    // Links are built from PUBLIC_URL (http://localhost:<port> here), over HTTP from the request's host.
    const http = JSON.stringify(overHttp.body).replaceAll('127.0.0.1', 'localhost');
    assert.deepEqual(observation, JSON.parse(http));
    assert.match(
      observation['@iot.selfLink'] as string,
      /^http:\/\/localhost:\d+\/sta\/v1\.1\/Observations\(\d+\)$/,
    );
    const [small] = await received(seen, selected);
    assert.deepEqual(JSON.parse(small!), { result: 2, phenomenonTime: '2026-11-21T09:00:00.000Z' });
    await received(seen, 'v1.1/Observations');
    await server.mqtt!.idle();
    assert.equal(seen.get(hiddenTopic), undefined, 'unpublished Datastream stays silent');
    assert.equal(seen.get(topic)!.length, 1);

    // A reading without a value: stored, and announced with its null result.
    await device.publishAsync(topic, '{"result": null, "phenomenonTime": "2026-11-21T10:00:00Z"}', {
      qos: 1,
    });
    assert.deepEqual(
      (await received(seen, selected, 2)).map((m) => JSON.parse(m) as unknown),
      [
        { result: 2, phenomenonTime: '2026-11-21T09:00:00.000Z' },
        { result: null, phenomenonTime: '2026-11-21T10:00:00.000Z' },
      ],
    );
  });

  test('entity sets, entities and properties (mosquitto_sub as a subscriber)', async () => {
    const { staff, municipality, thing } = await mqttTenant(server);
    const key = await credential(staff, municipality.id, 'api_key', ['api']);
    const watcher = await connect({ username: 'apikey', password: key });
    const seen = collect(watcher);
    await watcher.subscribeAsync(['v1.1/Things', `v1.1/Things(${thing})`, `v1.1/Things(${thing})/name`], {
      qos: 1,
    });
    const cli = run('mosquitto_sub', [
      ...['-h', '127.0.0.1', '-p', String(port), '-u', 'apikey', '-P', key, '-C', '1', '-W', '20'],
      ...['-t', `v1.1/Things(${thing})/name`],
    ]);
    // mosquitto_sub has no "subscribed" signal: wait until the broker knows the subscription.
    await waitFor('mosquitto_sub subscribed', async () =>
      Promise.resolve(server.mqtt!.sta.subscriberCount(`v1.1/Things(${thing})/name`) >= 2 ? true : undefined),
    );

    const created = await staff.create('/Things', { name: 'Neues Ding', description: 'neu' });
    const [newThing] = await received(seen, 'v1.1/Things');
    assert.equal((JSON.parse(newThing!) as Record<string, unknown>)['@iot.id'], created);

    assert.equal(
      (await staff.sta('PATCH', `/Things(${thing})`, { description: 'nur Beschreibung' })).status,
      200,
    );
    const [updated] = await received(seen, `v1.1/Things(${thing})`);
    assert.equal((JSON.parse(updated!) as Record<string, unknown>).description, 'nur Beschreibung');
    assert.equal((await staff.sta('PATCH', `/Things(${thing})`, { name: 'Umbenannt' })).status, 200);
    await received(seen, `v1.1/Things(${thing})`, 2);
    // The property topic hears only of the rename, not of the description.
    const names = await received(seen, `v1.1/Things(${thing})/name`);
    assert.deepEqual(
      names.map((n) => JSON.parse(n) as unknown),
      [{ name: 'Umbenannt' }],
    );
    const { stdout } = await cli;
    assert.deepEqual(JSON.parse(stdout), { name: 'Umbenannt' });

    // Refused subscriptions: wildcards and foreign topics.
    await assert.rejects(
      watcher.subscribeAsync(['v1.1/#', 'v1.1/Gadgets', 'other/topic']),
      (error: { packet?: { granted?: number[] } }) => {
        assert.deepEqual(error.packet?.granted, [128, 128, 128]);
        return true;
      },
    );
  });

  test('entity sets hear of updates too; topics along navigation properties', async () => {
    const { staff, municipality, thing, datastream } = await mqttTenant(server);
    const key = await credential(staff, municipality.id, 'api_key', ['api']);
    const watcher = await connect({ username: 'apikey', password: key });
    const seen = collect(watcher);
    const idOf = (json: string) => (JSON.parse(json) as { '@iot.id'?: number })['@iot.id'];
    const sensor = idOf((await staff.sta('GET', `/Datastreams(${datastream})/Sensor`)).text);
    const otherSensor = await staff.create('/Sensors', {
      name: 'andere',
      description: 'd',
      encodingType: 'text/plain',
      metadata: 'm',
    });
    // The first Observation creates a FeatureOfInterest from the Thing's Location: it is new too.
    await watcher.subscribeAsync('v1.1/FeaturesOfInterest', { qos: 1 });
    const observation = await staff.create(`/Datastreams(${datastream})/Observations`, { result: 1 });
    const [feature] = await received(seen, 'v1.1/FeaturesOfInterest');
    assert.equal(
      idOf(feature!),
      idOf((await staff.sta('GET', `/Observations(${observation})/FeatureOfInterest`)).text),
    );
    const topics = {
      things: 'v1.1/Things',
      selected: 'v1.1/Things?$select=name,description',
      sensor: `v1.1/Datastreams(${datastream})/Sensor`,
      thingOfObservation: `v1.1/Observations(${observation})/Datastream/Thing`,
      datastreamsOfThing: `v1.1/Things(${thing})/Datastreams`,
      locations: `v1.1/Datastreams(${datastream})/Thing/Locations`,
      // A property after navigation: the resource path of HTTP GET as well.
      thingName: `v1.1/Datastreams(${datastream})/Thing/name`,
    };
    await watcher.subscribeAsync(Object.values(topics), { qos: 1 });

    assert.equal((await staff.sta('PATCH', `/Things(${thing})`, { name: 'Umbenannt' })).status, 200);
    const [updated] = await received(seen, topics.things);
    const overHttp = (await staff.sta('GET', `/Things(${thing})`)).body;
    assert.deepEqual(
      JSON.parse(updated!),
      JSON.parse(JSON.stringify(overHttp).replaceAll('127.0.0.1', 'localhost')),
    );
    const [selected] = await received(seen, topics.selected);
    assert.deepEqual(JSON.parse(selected!), { name: 'Umbenannt', description: overHttp.description });
    const [viaObservation] = await received(seen, topics.thingOfObservation);
    assert.equal(idOf(viaObservation!), thing);
    const [thingName] = await received(seen, topics.thingName);
    assert.deepEqual(JSON.parse(thingName!), { name: 'Umbenannt' });
    // Another Thing's rename is not this Datastream's Thing.
    const otherThing = await staff.create('/Things', { name: 'anderes', description: 'd' });
    assert.equal(
      (await staff.sta('PATCH', `/Things(${otherThing})`, { name: 'auch umbenannt' })).status,
      200,
    );

    // A Sensor update reaches Datastreams(1)/Sensor only when it is that Datastream's Sensor.
    assert.equal((await staff.sta('PATCH', `/Sensors(${otherSensor})`, { name: 'x' })).status, 200);
    assert.equal((await staff.sta('PATCH', `/Sensors(${sensor})`, { name: 'DHT22 neu' })).status, 200);
    const [sensorJson] = await received(seen, topics.sensor);
    assert.equal(idOf(sensorJson!), sensor);

    assert.equal(
      (await staff.sta('PATCH', `/Datastreams(${datastream})`, { name: 'Pegel neu' })).status,
      200,
    );
    const [datastreamJson] = await received(seen, topics.datastreamsOfThing);
    assert.equal(idOf(datastreamJson!), datastream);

    const location = await staff.create(`/Things(${thing})/Locations`, {
      name: 'Neuer Ort',
      description: 'd',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [9, 50] },
    });
    const [locationJson] = await received(seen, topics.locations);
    assert.equal(idOf(locationJson!), location);

    await server.mqtt!.idle();
    assert.equal(seen.get(topics.sensor)!.length, 1, "the other Sensor is not this Datastream's");
    assert.equal(seen.get(topics.thingOfObservation)!.length, 1);
    assert.equal(seen.get(topics.thingName)!.length, 1, "only this Datastream's Thing, only a real change");
    assert.equal(seen.get('v1.1/FeaturesOfInterest')!.length, 1);
  });

  test('a link added by $ref reaches the navigation collections on both sides', async () => {
    const { staff, municipality, thing } = await mqttTenant(server);
    const key = await credential(staff, municipality.id, 'api_key', ['api']);
    const watcher = await connect({ username: 'apikey', password: key });
    const seen = collect(watcher);
    const idOf = (json: string) => (JSON.parse(json) as { '@iot.id'?: number })['@iot.id'];
    const location = await staff.create('/Locations', {
      name: 'Bauhof',
      description: 'd',
      encodingType: 'application/geo+json',
      location: { type: 'Point', coordinates: [9.6, 50.4] },
    });
    const topics = {
      thingsThere: `v1.1/Locations(${location})/Things`,
      locationsOfThing: `v1.1/Things(${thing})/Locations`,
    };
    await watcher.subscribeAsync(Object.values(topics), { qos: 1 });
    const linked = await staff.sta('POST', `/Things(${thing})/Locations/$ref`, { '@iot.id': location });
    assert.equal(linked.status, 204, linked.text);
    const [thingJson] = await received(seen, topics.thingsThere);
    assert.equal(idOf(thingJson!), thing);
    const [locationJson] = await received(seen, topics.locationsOfThing);
    assert.equal(idOf(locationJson!), location);
  });

  test('MQTT over WebSocket at /mqtt', async () => {
    const { staff, municipality, datastream } = await mqttTenant(server);
    const key = await credential(staff, municipality.id);
    const browser = await connect(
      { username: 'apikey', password: key },
      `${server.url.replace('http', 'ws')}/mqtt`,
    );
    await browser.publishAsync(`v1.1/Datastreams(${datastream})/Observations`, '{"result": 5}', { qos: 1 });
    assert.equal(await observationCount(staff, datastream), 1);
  });
});
