// The framer must read exactly what mqtt-packet's parser reads, however the stream is cut into chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { MqttFrameError, MqttFramer, type PublishFrame } from './mqtt-frames.js';

const v5 = { protocolVersion: 5 } as const;
const encode = (packet: Packet) => mqttPacket.generate(packet, v5);

const publishes: Packet[] = [
  {
    cmd: 'publish',
    topic: 'srp/flieden/v1.1/Datastreams(7)/Observations',
    payload: Buffer.from('{"result": 12.5}'),
    qos: 1,
    messageId: 513,
    dup: false,
    retain: false,
  },
  // Properties (skipped), the DUP flag, a topic beyond ASCII.
  {
    cmd: 'publish',
    topic: 'srp/wächtersbach/v1.1/Observations',
    payload: Buffer.from('{"result": "trocken"}'),
    qos: 1,
    messageId: 65_535,
    dup: true,
    retain: false,
    properties: {
      payloadFormatIndicator: true,
      contentType: 'application/json',
      userProperties: { device: 'pegel-3' },
    },
  },
  { cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(0), qos: 0, dup: false, retain: false },
  // A payload whose remaining length needs three bytes.
  {
    cmd: 'publish',
    topic: 'big',
    payload: Buffer.alloc(200_000, 7),
    qos: 1,
    messageId: 1,
    dup: false,
    retain: false,
  },
];
const others: Packet[] = [{ cmd: 'pingresp' }, { cmd: 'suback', messageId: 2, granted: [1, 0x87] }];

/** What the framer reads from the stream cut at `cuts`, the other packets parsed by mqtt-packet. */
function read(stream: Buffer, cuts: number[]): (PublishFrame | Packet)[] {
  const out: (PublishFrame | Packet)[] = [];
  const parser = mqttPacket.parser(v5);
  parser.on('packet', (packet: Packet) => out.push(packet));
  const framer = new MqttFramer(
    (frame) => out.push(frame),
    (packet) => parser.parse(packet),
  );
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    framer.push(stream.subarray(from, cut));
    from = cut;
  }
  return out;
}

const asFrame = (p: Packet): PublishFrame => {
  const publish = p as Extract<Packet, { cmd: 'publish' }>;
  return {
    topic: publish.topic,
    payload: publish.payload as Buffer,
    qos: publish.qos,
    dup: publish.dup,
    messageId: publish.qos > 0 ? publish.messageId : undefined,
  };
};

test('PUBLISHes read as mqtt-packet writes them, other packets passed on whole, however the stream is cut', () => {
  const packets = [publishes[0]!, others[0]!, publishes[1]!, publishes[2]!, others[1]!, publishes[3]!];
  const stream = Buffer.concat(packets.map(encode));
  const expected = read(stream, []);
  assert.deepEqual(
    expected.filter((p) => !('cmd' in p)),
    publishes.map(asFrame),
  );
  assert.deepEqual(
    expected.filter((p) => 'cmd' in p).map((p) => p.cmd),
    ['pingresp', 'suback'],
  );
  // Every single cut through the first packets, and a stream arriving byte by byte.
  const small = stream.subarray(0, stream.length - encode(publishes[3]!).length);
  for (let cut = 1; cut < small.length; cut++) assert.deepEqual(read(small, [cut]), read(small, []));
  const bytes = Array.from({ length: small.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(read(small, bytes), read(small, []));
  // The large one in three pieces, cut inside its length bytes, and in pieces of 1 KiB.
  assert.deepEqual(read(stream, [small.length + 2, small.length + 70_000]), expected);
  const kib = Array.from({ length: Math.floor(stream.length / 1024) }, (_, i) => (i + 1) * 1024);
  assert.deepEqual(read(stream, kib), expected);
});

test('a broken PUBLISH is an error, not a guess', () => {
  const framer = new MqttFramer(
    () => assert.fail('no frame'),
    () => assert.fail('no packet'),
  );
  // QoS 3.
  assert.throws(() => framer.push(Buffer.from([0x36, 0x02, 0x00, 0x00])), MqttFrameError);
  // A topic longer than its packet.
  assert.throws(
    () =>
      new MqttFramer(
        () => undefined,
        () => undefined,
      ).push(Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61])),
    MqttFrameError,
  );
  // A remaining length of five bytes.
  assert.throws(
    () =>
      new MqttFramer(
        () => undefined,
        () => undefined,
      ).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])),
    MqttFrameError,
  );
});
