// The ingestion subscriber against the machine's Mosquitto (many QoS 1 messages in flight per
// connection, PUBACK only on ack(), redelivery after a reconnect without handing a message over twice)
// and against small fake brokers (refused CONNECT, a broker that stops answering PINGREQ).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { pino } from 'pino';
import { waitFor } from '../../test-support/wait.js';
import {
  MqttRefusedError,
  MqttSubscriber,
  pubackFor,
  qos0PublishPackets,
  type MqttMessage,
  type MqttSubscriberOptions,
} from './mqtt-subscriber.js';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const RUN = randomBytes(4).toString('hex');
const log = pino({ level: 'silent' });
const subscribers: MqttSubscriber[] = [];
const servers: net.Server[] = [];
let publisher: MqttClient;

before(async () => {
  publisher = await mqtt.connectAsync(BROKER, { clientId: `srp-test-subpub-${RUN}` });
});
after(async () => {
  for (const s of subscribers) await s.stop();
  await publisher?.endAsync();
  for (const server of servers) server.close();
});

function subscriber(options: Partial<MqttSubscriberOptions> & { filters: string[] }) {
  const messages: MqttMessage[] = [];
  const client = new MqttSubscriber({
    url: BROKER,
    clientId: `srp-test-sub-${RUN}-${subscribers.length}`,
    clean: false,
    sessionExpiry: 60,
    log,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    onMessage: (m) => messages.push(m),
    ...options,
  });
  subscribers.push(client);
  return { client, messages };
}

const count = (messages: MqttMessage[], n: number) =>
  waitFor(`${n} message(s)`, () => Promise.resolve(messages.length >= n ? messages.slice() : undefined));

test('many QoS 1 messages are in flight on one connection; the PUBACK waits for ack()', async () => {
  const topic = `srp-test-${RUN}/inflight`;
  const { client, messages } = subscriber({ filters: [topic], receiveMaximum: 100 });
  await client.start();
  const sent = Array.from({ length: 50 }, (_, i) => String(i));
  await Promise.all(sent.map((m) => publisher.publishAsync(topic, m, { qos: 1 })));
  // All 50 arrive although none has been acknowledged yet.
  const got = await count(messages, 50);
  assert.equal(client.acked, 0);
  assert.deepEqual(
    got.map((m) => m.payload.toString()),
    sent,
  );
  for (const m of got) m.ack();
  got[0]!.ack(); // a second ack() of the same message sends nothing
  assert.equal(client.acked, 50);
  // A later session of the same client id gets nothing of the acknowledged messages again.
  await client.stop();
  const again = subscriber({ filters: [topic], clientId: `srp-test-sub-${RUN}-0` });
  await again.client.start();
  await publisher.publishAsync(topic, 'marker', { qos: 1 });
  const [first] = await count(again.messages, 1);
  assert.equal(first!.payload.toString(), 'marker');
  first!.ack();
});

test('retry() drops the connection and the broker delivers again; nothing is handed over twice', async () => {
  const topic = `srp-test-${RUN}/redeliver`;
  const clientId = `srp-test-sub-${RUN}-redeliver`;
  const { client, messages } = subscriber({ filters: [topic], clientId });
  await client.start();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => publisher.publishAsync(topic, String(i), { qos: 1 })),
  );
  const got = await count(messages, 10);
  for (const m of got) if (Number(m.payload.toString()) % 2 === 0) m.ack();
  // Let the acknowledgements leave before the connection goes.
  await new Promise((resolve) => setImmediate(resolve));
  const receivedBefore = client.received;
  // Not stored: the connection goes, and the broker delivers 1, 3, 5, 7 and 9 again.
  got[1]!.retry('test');
  // Stored after its connection went: acknowledged when the broker delivers it again.
  got[3]!.ack();
  await waitFor('delivered again', () =>
    Promise.resolve(client.connected && client.received >= receivedBefore + 5 ? true : undefined),
  );
  await publisher.publishAsync(topic, 'marker', { qos: 1 });
  const again = await waitFor('the marker', () =>
    Promise.resolve(messages.some((m) => m.payload.toString() === 'marker') ? messages.slice(10) : undefined),
  );
  // Only the one that failed is handed over again; 5, 7 and 9 are still with their first handler.
  assert.deepEqual(
    again.map((m) => m.payload.toString()),
    ['1', 'marker'],
  );
  for (const m of [got[5]!, got[7]!, got[9]!, ...again]) m.ack();
  assert.equal(client.acked, 5 + 1 + 3 + 2);
  // Every PUBACK reached the broker: the next session of this client id gets nothing of them again.
  await client.stop();
  const next = subscriber({ filters: [topic], clientId });
  await next.client.start();
  await publisher.publishAsync(topic, 'next', { qos: 1 });
  const [first] = await count(next.messages, 1);
  assert.equal(first!.payload.toString(), 'next');
  first!.ack();
});

test('reconnects and subscribes again when the connection breaks', async () => {
  // A TCP relay in front of Mosquitto that can cut every connection.
  const target = new URL(BROKER);
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port || 1883), target.hostname);
    inbound.pipe(outbound).pipe(inbound);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  servers.push(relay);
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const topic = `srp-test-${RUN}/relay`;
  const port = (relay.address() as net.AddressInfo).port;
  // A clean session: the subscription has to be renewed after the reconnect.
  const { client, messages } = subscriber({ filters: [topic], url: `mqtt://127.0.0.1:${port}`, clean: true });
  await client.start();
  await publisher.publishAsync(topic, 'before', { qos: 1 });
  (await count(messages, 1))[0]!.ack();
  for (const s of sockets) s.destroy();
  await waitFor('disconnected', () => Promise.resolve(client.connected ? undefined : true));
  await waitFor('reconnected', () => Promise.resolve(client.connected ? true : undefined));
  await publisher.publishAsync(topic, 'after', { qos: 1 });
  const got = await count(messages, 2);
  assert.equal(got[1]!.payload.toString(), 'after');
  got[1]!.ack();
});

/** A fake broker answering each packet with what `answer` returns. */
async function fakeBroker(answer: (packet: Packet, connection: number) => Packet | null) {
  let connections = 0;
  const server = net.createServer((socket) => {
    const n = ++connections;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    parser.on('packet', (packet: Packet) => {
      const reply = answer(packet, n);
      if (reply) socket.write(mqttPacket.generate(reply, { protocolVersion: 5 }));
    });
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
  };
}

test('a refused CONNECT rejects start() with the reason', async () => {
  const broker = await fakeBroker((packet) =>
    packet.cmd === 'connect' ? { cmd: 'connack', reasonCode: 0x86, sessionPresent: false } : null,
  );
  const { client } = subscriber({ filters: ['x'], url: broker.url, username: 'u', password: 'wrong' });
  await assert.rejects(client.start(), (error: unknown) => {
    assert.ok(error instanceof MqttRefusedError);
    assert.equal(error.code, 'mqtt_refused');
    assert.match(error.message, /bad user name or password/);
    return true;
  });
  assert.equal(broker.connections(), 1);
});

test('a refused subscription rejects start()', async () => {
  const broker = await fakeBroker((packet) =>
    packet.cmd === 'connect'
      ? { cmd: 'connack', reasonCode: 0, sessionPresent: false }
      : packet.cmd === 'subscribe'
        ? { cmd: 'suback', messageId: packet.messageId!, granted: [0x87] }
        : null,
  );
  const { client } = subscriber({ filters: ['not/allowed'], url: broker.url });
  await assert.rejects(client.start(), /refused the subscription to not\/allowed/);
});

test('a broker that stops answering PINGREQ is left and connected to again', async () => {
  const broker = await fakeBroker((packet, connection) =>
    packet.cmd === 'connect'
      ? { cmd: 'connack', reasonCode: 0, sessionPresent: false }
      : packet.cmd === 'subscribe'
        ? { cmd: 'suback', messageId: packet.messageId!, granted: [1] }
        : // Only the second connection answers pings.
          packet.cmd === 'pingreq' && connection > 1
          ? { cmd: 'pingresp' }
          : null,
  );
  const { client } = subscriber({ filters: ['t'], url: broker.url, keepalive: 1 });
  await client.start();
  await waitFor('a second connection', () => Promise.resolve(broker.connections() >= 2 ? true : undefined));
  await waitFor('connected again', () => Promise.resolve(client.connected ? true : undefined));
});

test('the short PUBACK is what mqtt-packet reads as a successful PUBACK for the id', () => {
  for (const messageId of [1, 255, 256, 0xabcd, 0xffff]) {
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const packets: Packet[] = [];
    parser.on('packet', (packet: Packet) => packets.push(packet));
    parser.parse(pubackFor(messageId));
    assert.equal(packets.length, 1);
    assert.equal(packets[0]!.cmd, 'puback');
    assert.equal((packets[0] as { messageId?: number }).messageId, messageId);
    assert.equal((packets[0] as { reasonCode?: number }).reasonCode ?? 0, 0);
  }
});

test('the hand-written QoS 0 PUBLISHes are the packets mqtt-packet encodes', () => {
  const cases: [string, string | Buffer][] = [
    ['v1.1/Observations', '{"result":1}'],
    ['v1.1/Datastreams(12)/Observations', 'ä'.repeat(200)],
    ['srp/flieden/errors', Buffer.alloc(20_000, 7)],
    ['v1.1/Thingsß', ''],
  ];
  const encoded = cases.map(([topic, payload]) =>
    mqttPacket.generate(
      { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false },
      { protocolVersion: 5 },
    ),
  );
  cases.forEach((message, i) => assert.deepEqual(qos0PublishPackets([message]), encoded[i]));
  // Several in one buffer: the same packets one after the other.
  assert.deepEqual(qos0PublishPackets(cases), Buffer.concat(encoded));
  assert.equal(qos0PublishPackets([]).length, 0);
});
