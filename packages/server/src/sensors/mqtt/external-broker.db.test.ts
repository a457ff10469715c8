// MQTT_URL mode against the machine's real Mosquitto: two platform instances on one database share the
// subscription, split the messages and lose none; the topic's municipality limits what may be written;
// public notifications appear on the standard topics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { parseConfig } from '../../config.js';
import type { DatabaseHandle } from '../../core/db/database.js';
import { startPlatform, type RunningPlatform } from '../../server.js';
import { openTestDatabase } from '../../test-support/db.js';
import type { TestServer } from '../../test-support/server.js';
import { waitFor } from '../../test-support/wait.js';
import { collect, mqttTenant, received, run } from './mqtt-fixtures.js';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
// This run's own share group and topic prefix, so parallel runs (both database lanes) never meet.
const RUN = randomBytes(4).toString('hex');
const PREFIX = `srp-test-${RUN}`;

let database: DatabaseHandle;
const platforms: RunningPlatform[] = [];
let publisher: MqttClient;

before(async () => {
  database = await openTestDatabase();
  for (let i = 0; i < 2; i++) {
    const config = parseConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      DEMO_SEED: 'false',
      JOBS_ENABLED: 'false',
      ADMIN_EMAIL: 'admin@test.example',
      ADMIN_PASSWORD: 'Plattform-Testpasswort-42',
      MQTT_URL: BROKER,
      MQTT_SHARE_GROUP: `g${RUN}`,
      MQTT_TOPIC_PREFIX: PREFIX,
      MQTT_CONNECTIONS: '2',
    });
    platforms.push(
      await startPlatform(config, { log: pino({ level: 'silent' }), database, logger: false, webDist: null }),
    );
  }
  publisher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-pub-${RUN}` });
});
after(async () => {
  await publisher?.endAsync();
  for (const platform of platforms) await platform.close();
  await database?.close();
});

const asServer = (platform: RunningPlatform) => platform as unknown as TestServer;

test('two instances split the messages of the shared subscription and store every one', async () => {
  const [a, b] = platforms as [RunningPlatform, RunningPlatform];
  const { staff, municipality, datastream } = await mqttTenant(asServer(a));
  const topic = `${PREFIX}/${municipality.slug}/v1.1/Datastreams(${datastream})/Observations`;
  const count = 200;
  const before = a.mqtt!.bridge!.handled + b.mqtt!.bridge!.handled;
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      publisher.publishAsync(
        topic,
        JSON.stringify({ phenomenonTime: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), result: i }),
        { qos: 1 },
      ),
    ),
  );
  await run('mosquitto_pub', [
    ...['-L', `${BROKER}/${PREFIX}/${municipality.slug}/v1.1/Observations`, '-q', '1'],
    ...['-m', JSON.stringify({ result: -1, Datastream: { '@iot.id': datastream } })],
  ]);
  const stored = await waitFor('all observations stored', async () => {
    const res = await staff.list(`/Datastreams(${datastream})/Observations?$count=true&$top=0`);
    return res.body['@iot.count'] === count + 1 ? res.body['@iot.count'] : undefined;
  });
  assert.equal(stored, count + 1);
  // An instance counts a message as handled just after its commit, so the counters may trail the rows briefly.
  const handled = await waitFor('both counters caught up', async () => {
    const sum = a.mqtt!.bridge!.handled + b.mqtt!.bridge!.handled - before;
    return sum >= count + 1 ? sum : undefined;
  });
  assert.equal(handled, count + 1);
  assert.ok(a.mqtt!.bridge!.handled > 0 && b.mqtt!.bridge!.handled > 0, 'both instances took part');
  // Stored once each: the results are exactly the ones sent.
  const results = await staff.list(
    `/Datastreams(${datastream})/Observations?$top=1000&$select=result&$orderby=result`,
  );
  assert.deepEqual(
    results.body.value.map((o) => o.result),
    [-1, ...Array.from({ length: count }, (_, i) => i)],
  );
});

test("the topic's municipality limits the writes; rejections go to the municipality's error topic", async () => {
  const [a] = platforms as [RunningPlatform];
  const { staff, other, datastream } = await mqttTenant(asServer(a));
  const errors = collect(publisher);
  await publisher.subscribeAsync([`${PREFIX}/${other.slug}/errors`, `${PREFIX}/nowhere/errors`], { qos: 1 });
  await publisher.publishAsync(
    `${PREFIX}/${other.slug}/v1.1/Datastreams(${datastream})/Observations`,
    '{"result": 1}',
    { qos: 1 },
  );
  await publisher.publishAsync(
    `${PREFIX}/nowhere/v1.1/Datastreams(${datastream})/Observations`,
    '{"result": 1}',
    {
      qos: 1,
    },
  );
  const [foreign] = await received(errors, `${PREFIX}/${other.slug}/errors`);
  assert.equal((JSON.parse(foreign!) as { code: number }).code, 404);
  const [unknown] = await received(errors, `${PREFIX}/nowhere/errors`);
  assert.match((JSON.parse(unknown!) as { message: string }).message, /Unknown municipality/);
  const res = await staff.list(`/Datastreams(${datastream})/Observations?$count=true&$top=0`);
  assert.equal(res.body['@iot.count'], 0);
});

test('public notifications on the standard topics, only for published Datastreams', async () => {
  const [a] = platforms as [RunningPlatform];
  const { staff, municipality, datastream, publish } = await mqttTenant(asServer(a));
  const marker = Math.random();
  const watcher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-watch-${RUN}` });
  try {
    const seen = collect(watcher);
    const standard = `v1.1/Datastreams(${datastream})/Observations`;
    await watcher.subscribeAsync(standard, { qos: 0 });
    const ours = () =>
      (seen.get(standard) ?? []).filter((m) => (JSON.parse(m) as { result: number }).result === marker);
    const send = (result: number) =>
      publisher.publishAsync(`${PREFIX}/${municipality.slug}/${standard}`, JSON.stringify({ result }), {
        qos: 1,
      });
    await send(marker);
    // The broker acknowledges the publisher before an instance stores the message: wait for the row and
    // the notification step, so the Datastream is published only after the first message was handled.
    await waitFor('the first observation stored', async () => {
      const res = await staff.list(`/Datastreams(${datastream})/Observations?$count=true&$top=0`);
      return res.body['@iot.count'] === 1 ? true : undefined;
    });
    await Promise.all(platforms.map((p) => p.mqtt!.idle()));
    await publish();
    await send(marker);
    await waitFor('notification', () => Promise.resolve(ours().length > 0 ? true : undefined));
    await Promise.all(platforms.map((p) => p.mqtt!.idle()));
    // The first one, sent before the Datastream was published, never reached the public topic.
    assert.equal(ours().length, 1);
    const observation = JSON.parse(ours()[0]!) as Record<string, unknown>;
    assert.match(observation['@iot.selfLink'] as string, /\/sta\/v1\.1\/Observations\(\d+\)$/);
  } finally {
    await watcher.endAsync();
  }
});

test('each public notification is exactly what an anonymous GET of the Observation returns', async () => {
  const [a] = platforms as [RunningPlatform];
  const { municipality, datastream, publish } = await mqttTenant(asServer(a));
  await publish();
  const watcher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-same-${RUN}` });
  try {
    const seen = collect(watcher);
    const standard = `v1.1/Datastreams(${datastream})/Observations`;
    await watcher.subscribeAsync(standard, { qos: 0 });
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 10, minute)).toISOString();
    // Numbers, strings, arrays and booleans are shown from what was stored; a JSON object (jsonb orders
    // its keys) is read back. Both must give the GET's JSON.
    const bodies = [
      { phenomenonTime: at(0), result: 12.5, resultTime: at(1), validTime: `${at(0)}/${at(30)}` },
      { phenomenonTime: `${at(2)}/${at(3)}`, result: 'trocken', resultQuality: 'gut' },
      { phenomenonTime: at(4), result: [1, null, 'x', 0.30000000000000004] },
      { phenomenonTime: at(5), result: true },
      { phenomenonTime: at(6), result: { zz: 1, a: [2] }, parameters: { battery: 3.1, b: 'x' } },
    ];
    for (const body of bodies)
      await publisher.publishAsync(`${PREFIX}/${municipality.slug}/${standard}`, JSON.stringify(body), {
        qos: 1,
      });
    const notifications = await received(seen, standard, bodies.length);
    assert.equal(notifications.length, bodies.length);
    for (const notification of notifications) {
      const shown = JSON.parse(notification) as Record<string, unknown>;
      const res = await fetch(shown['@iot.selfLink'] as string);
      assert.equal(res.status, 200);
      assert.deepEqual(shown, await res.json());
    }
    const results = notifications.map((n) => (JSON.parse(n) as { result: unknown }).result);
    assert.deepEqual(
      results.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      bodies.map((b) => b.result).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  } finally {
    await watcher.endAsync();
  }
});

test('updates reach the property topics and the navigation collections the entity belongs to', async () => {
  const [a] = platforms as [RunningPlatform];
  const { staff, thing, datastream, publish } = await mqttTenant(asServer(a));
  await publish();
  const sensor = (await staff.sta<{ '@iot.id': number }>('GET', `/Datastreams(${datastream})/Sensor`)).body[
    '@iot.id'
  ];
  const observation = await staff.create(`/Datastreams(${datastream})/Observations`, { result: 1 });
  // The notification of the new Observation is out before the watcher subscribes: it hears only updates.
  await a.mqtt!.idle();
  const watcher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-upd-${RUN}` });
  try {
    const seen = collect(watcher);
    const topics = {
      name: `v1.1/Datastreams(${datastream})/name`,
      description: `v1.1/Datastreams(${datastream})/description`,
      ofThing: `v1.1/Things(${thing})/Datastreams`,
      ofSensor: `v1.1/Sensors(${sensor})/Datastreams`,
      observations: `v1.1/Datastreams(${datastream})/Observations`,
    };
    await watcher.subscribeAsync(Object.values(topics), { qos: 0 });
    // Links are built from PUBLIC_URL (localhost), over HTTP from the request's host: ask the same.
    const anonymous = async (path: string): Promise<unknown> =>
      (await fetch(`${a.url.replace('127.0.0.1', 'localhost')}/sta/v1.1${path}`)).json();

    const rename = (name: string) => staff.sta('PATCH', `/Datastreams(${datastream})`, { name });
    assert.equal((await rename('Pegel neu')).status, 200);
    const [first] = await received(seen, topics.name);
    assert.deepEqual(JSON.parse(first!), await anonymous(`/Datastreams(${datastream})/name`));
    // The entity's own JSON on the collections of its Thing and its Sensor, as a GET through them.
    const [viaThing] = await received(seen, topics.ofThing);
    assert.deepEqual(JSON.parse(viaThing!), await anonymous(`/Things(${thing})/Datastreams(${datastream})`));
    const [viaSensor] = await received(seen, topics.ofSensor);
    assert.deepEqual(JSON.parse(viaSensor!), JSON.parse(viaThing!));
    await a.mqtt!.idle();
    const descriptions = seen.get(topics.description)?.length ?? 0;

    // Known now: the next rename reaches the name, not the unchanged description.
    assert.equal((await rename('Pegel neuer')).status, 200);
    const names = await received(seen, topics.name, 2);
    assert.deepEqual(JSON.parse(names[1]!), { name: 'Pegel neuer' });
    await received(seen, topics.ofThing, 2);

    // An updated Observation reaches its Datastream's Observations.
    assert.equal((await staff.sta('PATCH', `/Observations(${observation})`, { result: 2 })).status, 200);
    const [updated] = await received(seen, topics.observations);
    assert.deepEqual(JSON.parse(updated!), await anonymous(`/Observations(${observation})`));
    assert.equal((JSON.parse(updated!) as { result: unknown }).result, 2);
    assert.equal(seen.get(topics.description)?.length ?? 0, descriptions);
  } finally {
    await watcher.endAsync();
  }
});

test('the PUBACK to the broker waits for the commit; a failed store gets none and the broker delivers again', async () => {
  const [a] = platforms as [RunningPlatform];
  const { staff, municipality, datastream } = await mqttTenant(asServer(a));
  const topic = `${PREFIX}/${municipality.slug}/v1.1/Datastreams(${datastream})/Observations`;
  const stored = async () =>
    (await staff.list(`/Datastreams(${datastream})/Observations?$count=true&$top=0`)).body['@iot.count'];
  const deliveries = () => {
    const all = platforms.map((p) => p.mqtt!.bridge!.deliveries);
    return {
      received: all.reduce((sum, d) => sum + d.received, 0),
      acknowledged: all.reduce((sum, d) => sum + d.acknowledged, 0),
    };
  };
  const send = (from: number, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        publisher.publishAsync(
          topic,
          JSON.stringify({ phenomenonTime: new Date(Date.UTC(2026, 10, 2, 0, from + i)), result: from + i }),
          { qos: 1 },
        ),
      ),
    );

  // Commits held back: the messages arrive, but no PUBACK leaves until their batch has committed.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const originals = platforms.map((p) => p.ctx.observations.createGroups.bind(p.ctx.observations));
  platforms.forEach((p, i) => {
    p.ctx.observations.createGroups = async (...args) => {
      await gate;
      return originals[i]!(...args);
    };
  });
  const start = deliveries();
  try {
    await send(0, 30);
    await waitFor('all 30 delivered to the instances', () =>
      Promise.resolve(deliveries().received - start.received >= 30 ? true : undefined),
    );
    assert.equal(deliveries().acknowledged, start.acknowledged, 'no PUBACK before the commit');
    assert.equal(await stored(), 0);
  } finally {
    release();
    platforms.forEach((p, i) => (p.ctx.observations.createGroups = originals[i]!));
  }
  await waitFor('all 30 acknowledged', () =>
    Promise.resolve(deliveries().acknowledged - start.acknowledged >= 30 ? true : undefined),
  );
  assert.equal(await stored(), 30);

  // A store that fails: no PUBACK, the instance reconnects and the broker delivers the message again.
  const creates = platforms.map((p) => p.ctx.observations.create.bind(p.ctx.observations));
  let failures = 0;
  for (const p of platforms)
    p.ctx.observations.create = async () => {
      failures++;
      throw new Error('disk full');
    };
  const failing = deliveries();
  try {
    await send(100, 5);
    await waitFor('the stores failed', () => Promise.resolve(failures >= 5 ? true : undefined));
    assert.equal(deliveries().acknowledged, failing.acknowledged, 'no PUBACK for what was not stored');
  } finally {
    platforms.forEach((p, i) => (p.ctx.observations.create = creates[i]!));
  }
  // Each failure drops a connection, which comes back after a backoff: more time than usual on a busy machine.
  const total = await waitFor(
    'the 5 delivered again and stored',
    async () => {
      const count = await stored();
      return count !== undefined && count >= 35 ? count : undefined;
    },
    60_000,
  );
  assert.equal(total, 35, 'each stored once');
  const after = deliveries();
  assert.ok(after.received - failing.received > 5, 'the broker delivered the failed messages again');
  assert.ok(after.acknowledged - failing.acknowledged >= 5);
  // Stored once each.
  const results = await staff.list(
    `/Datastreams(${datastream})/Observations?$top=100&$select=result&$orderby=result`,
  );
  assert.deepEqual(
    results.body.value.map((o) => o.result),
    [...Array.from({ length: 30 }, (_, i) => i), 100, 101, 102, 103, 104],
  );
});
