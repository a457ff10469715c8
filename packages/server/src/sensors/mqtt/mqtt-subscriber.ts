// A small MQTT 5 subscriber for ingestion from an external broker: PUBLISHes are read by mqtt-frames.ts,
// every other packet by mqtt-packet. mqtt.js hands a connection its next message only after the previous
// one was acknowledged, so with "PUBACK after the commit" one connection could contribute one message per
// group commit. Here every QoS 1 message is
// handed over at once with its own `ack()`, which the caller invokes after storing it: the broker's
// per-client window (Mosquitto: max_inflight_messages, 20 by default) bounds what is in flight.
// Acknowledgements queued in one tick leave in one write. Reconnects with backoff; a persistent session
// (clean: false) makes the broker deliver unacknowledged messages again after a reconnect, and a message
// delivered again while its first delivery is still being stored is not handed over a second time.
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { Logger } from 'pino';
import { MqttFramer, type PublishFrame } from './mqtt-frames.js';

export interface MqttSubscriberOptions {
  /** mqtt://host[:1883] or mqtts://host[:8883]. */
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** false: the broker keeps the session (subscriptions, unacknowledged messages) for `sessionExpiry`. */
  clean: boolean;
  /** Seconds the broker keeps the session after a disconnect (only with clean: false). */
  sessionExpiry?: number;
  /** MQTT 5 Receive Maximum: unacknowledged QoS 1 messages the broker may send at once (default 65,535). */
  receiveMaximum?: number;
  /** Subscribed with QoS 1 after every connect without a session present. */
  filters: string[];
  /** Seconds; a PINGREQ goes out this often and must be answered before the next one. */
  keepalive?: number;
  connectTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs`. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  log: Logger;
  onMessage: (message: MqttMessage) => void;
}

export interface MqttMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /**
   * The message is stored: sends its PUBACK (QoS 1). If the connection it came from is gone, the PUBACK
   * goes out when the broker delivers the message again, which is then not handed over a second time.
   */
  ack(): void;
  /** The message could not be stored: drops its connection so that the broker delivers it again (QoS 1). */
  retry(reason: string): void;
}

/** A QoS 1 message handed over and not acknowledged yet. */
interface OpenDelivery {
  /** The connection it arrived on last (a repeated delivery moves it). */
  socket: net.Socket;
  /** Stored, but its connection went before the PUBACK could leave. */
  stored: boolean;
}

/** The broker refused the connection or the subscription: retrying with the same settings cannot help. */
export class MqttRefusedError extends Error {
  readonly code = 'mqtt_refused';
  constructor(message: string) {
    super(message);
    this.name = 'MqttRefusedError';
  }
}

const PROTOCOL = { protocolVersion: 5 } as const;

/** MQTT 5 CONNACK reason codes worth naming in a log line. */
const CONNACK_REASONS: Record<number, string> = {
  0x80: 'unspecified error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
};

/**
 * A PUBACK with reason code 0 (success) and no properties, which MQTT 5 lets us send as just the packet
 * id: 4 bytes written directly, as mqtt-packet's general encoder costs more than the rest of the message.
 */
export function pubackFor(messageId: number): Buffer {
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

/**
 * MQTT 5 QoS 0 PUBLISHes without properties, one after the other in one buffer. Written by hand (like
 * pubackFor): a stored batch's notifications are thousands of these, and mqtt-packet's general encoder,
 * then a buffer per packet, were a visible share of the CPU.
 */
export function qos0PublishPackets(
  messages: readonly (readonly [topic: string, payload: string | Buffer])[],
): Buffer {
  const lengths = new Array<number>(messages.length * 2);
  let total = 0;
  messages.forEach(([topic, payload], i) => {
    const topicLength = Buffer.byteLength(topic);
    const payloadLength = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    // Topic length, topic, property length 0, payload; after the fixed header's type and length bytes.
    const remaining = 2 + topicLength + 1 + payloadLength;
    total += 1 + varintBytes(remaining) + remaining;
    lengths[2 * i] = topicLength;
    lengths[2 * i + 1] = payloadLength;
  });
  const packets = Buffer.allocUnsafe(total);
  let at = 0;
  messages.forEach(([topic, payload], i) => {
    const topicLength = lengths[2 * i]!;
    packets[at++] = 0x30;
    let remaining = 2 + topicLength + 1 + lengths[2 * i + 1]!;
    do {
      const byte = remaining % 128;
      remaining = Math.floor(remaining / 128);
      packets[at++] = remaining > 0 ? byte | 0x80 : byte;
    } while (remaining > 0);
    at = packets.writeUInt16BE(topicLength, at);
    at += packets.write(topic, at);
    packets[at++] = 0;
    at += typeof payload === 'string' ? packets.write(payload, at) : payload.copy(packets, at);
  });
  return packets;
}

/** Bytes of MQTT's variable-length encoding of `n`. */
function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Server unavailable, server busy, quota exceeded, connection rate exceeded: worth another try. */
const RETRYABLE = new Set([0x88, 0x89, 0x97, 0x9f]);

export class MqttSubscriber {
  private socket: net.Socket | null = null;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private started: { resolve: () => void; reject: (error: Error) => void } | null = null;
  /**
   * QoS 1 messages handed over and not acknowledged, by packet id. Packet ids belong to the session, not
   * to a connection: after a reconnect the broker delivers these again under the same id with DUP set.
   */
  private readonly open = new Map<number, OpenDelivery>();
  /** Messages received / acknowledged; tests and diagnostics read them. */
  received = 0;
  acked = 0;

  constructor(private readonly options: MqttSubscriberOptions) {}

  get connected(): boolean {
    return this.socket !== null && this.subscribed;
  }
  private subscribed = false;
  /** Writes the acknowledgements (and publishes) collected for the current connection. */
  private flushAcks: (() => void) | null = null;
  /** Queues a packet for the current connection's next write. */
  private queueWrite: ((packet: Buffer) => void) | null = null;

  /**
   * Connects and subscribes; resolves once the subscription is confirmed. Network errors are retried
   * (with a warning each); a refused CONNECT or SUBSCRIBE rejects with MqttRefusedError.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.started = { resolve, reject };
      this.connect();
    });
  }

  /** Sends DISCONNECT and closes; unacknowledged messages stay with the broker's session. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.keepaliveTimer);
    // Acknowledgements given just before stop() still leave, ahead of the DISCONNECT.
    this.flushAcks?.();
    const socket = this.socket;
    this.socket = null;
    this.subscribed = false;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end(mqttPacket.generate({ cmd: 'disconnect' }, PROTOCOL));
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  /**
   * A PUBLISH arrived. A QoS 1 message that is still open from an earlier connection is not handed over
   * again: storing it twice is what the session's packet ids let us avoid. If it was stored meanwhile,
   * its PUBACK leaves now; if it is still being stored, the PUBACK follows on this connection.
   */
  private delivered(packet: PublishFrame, socket: net.Socket): void {
    const { topic, qos, payload } = packet;
    // QoS 2 is never granted (we subscribe with QoS 1), so every other message is QoS 0.
    if (qos !== 1 || packet.messageId === undefined) {
      this.options.onMessage({ topic, payload, qos, ack: () => undefined, retry: () => undefined });
      return;
    }
    const id = packet.messageId;
    const earlier = this.open.get(id);
    if (earlier && packet.dup) {
      earlier.socket = socket;
      if (earlier.stored) this.acknowledge(id, earlier);
      return;
    }
    // Without DUP the id is a new message's: the broker has let go of the earlier one.
    const delivery: OpenDelivery = { socket, stored: false };
    this.open.set(id, delivery);
    this.options.onMessage({
      topic,
      payload,
      qos,
      ack: () => {
        if (this.open.get(id) !== delivery || delivery.stored) return;
        delivery.stored = true;
        this.acknowledge(id, delivery);
      },
      retry: (reason) => {
        if (this.open.get(id) !== delivery || delivery.stored) return;
        this.open.delete(id);
        const current = delivery.socket;
        if (current !== this.socket || current.destroyed) return;
        this.flushAcks?.();
        this.options.log.warn({ clientId: this.options.clientId, reason }, 'MQTT connection dropped');
        current.destroy();
      },
    });
  }

  /** Sends the PUBACK of a stored message if its connection is the current one; else it waits for that. */
  private acknowledge(id: number, delivery: OpenDelivery): void {
    if (delivery.socket !== this.socket || delivery.socket.destroyed || !this.queueWrite) return;
    this.open.delete(id);
    this.acked++;
    this.queueWrite(pubackFor(id));
  }

  /**
   * QoS 0 publish (error reports, notifications); dropped while not connected. Publishes of one tick
   * leave in one write, with the PUBACKs (a stored batch's notifications are thousands of small packets).
   */
  publish(topic: string, payload: string | Buffer): boolean {
    return this.publishAll([[topic, payload]]);
  }

  /** Several QoS 0 publishes as one buffer (see publish). */
  publishAll(messages: readonly (readonly [topic: string, payload: string | Buffer])[]): boolean {
    if (!this.connected || !this.queueWrite) return false;
    if (messages.length > 0) this.queueWrite(qos0PublishPackets(messages));
    return true;
  }

  private write(packet: Packet): void {
    this.socket?.write(mqttPacket.generate(packet, PROTOCOL));
  }

  private connect(): void {
    const { url, log, clientId } = this.options;
    const target = new URL(url);
    const secure = target.protocol === 'mqtts:' || target.protocol === 'ssl:';
    if (!secure && target.protocol !== 'mqtt:' && target.protocol !== 'tcp:') {
      this.fail(new MqttRefusedError(`MQTT_URL must start with mqtt:// or mqtts://, not ${target.protocol}`));
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const port = Number(target.port || (secure ? 8883 : 1883));
    const socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    const parser = mqttPacket.parser(PROTOCOL);
    // Acknowledgements and QoS 0 publishes collected during one tick, written together.
    let acks: Buffer[] = [];
    const flushAcks = () => {
      if (acks.length === 0) return;
      const pending = acks;
      acks = [];
      if (this.socket === socket && !socket.destroyed)
        socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
    };
    const queueWrite = (packet: Buffer) => {
      if (acks.length === 0) queueMicrotask(flushAcks);
      acks.push(packet);
    };
    this.flushAcks = flushAcks;
    this.queueWrite = queueWrite;
    let alive = true;
    const connectTimer = setTimeout(
      () => socket.destroy(new Error(`no CONNACK within ${this.options.connectTimeoutMs ?? 10_000} ms`)),
      this.options.connectTimeoutMs ?? 10_000,
    );
    let subscribeId = 0;

    // PUBLISHes are read by the framer; every other packet reaches mqtt-packet's parser whole.
    const framer = new MqttFramer(
      (frame) => {
        alive = true;
        this.received++;
        this.delivered(frame, socket);
      },
      (packet) => parser.parse(packet),
    );
    parser.on('packet', (packet: Packet) => {
      alive = true;
      switch (packet.cmd) {
        case 'connack': {
          clearTimeout(connectTimer);
          const code = packet.reasonCode ?? packet.returnCode ?? 0;
          if (code !== 0 && RETRYABLE.has(code)) {
            log.warn({ clientId, reasonCode: code }, 'the MQTT broker is busy; retrying');
            socket.destroy();
            return;
          }
          if (code !== 0) {
            const reason = CONNACK_REASONS[code] ?? `reason code 0x${code.toString(16)}`;
            this.fail(
              new MqttRefusedError(`the MQTT broker at ${target.host} refused the connection: ${reason}`),
            );
            socket.destroy();
            return;
          }
          this.attempt = 0;
          // Without the session the broker delivers nothing again: what is open stays unacknowledged.
          if (!packet.sessionPresent) this.open.clear();
          this.startKeepalive(socket, () => {
            const wasAlive = alive;
            alive = false;
            return wasAlive;
          });
          if (packet.sessionPresent && !this.options.clean) {
            this.subscribed = true;
            this.started?.resolve();
            this.started = null;
            return;
          }
          subscribeId = this.id();
          this.write({
            cmd: 'subscribe',
            messageId: subscribeId,
            subscriptions: this.options.filters.map((topic) => ({ topic, qos: 1 as const })),
          });
          return;
        }
        case 'suback': {
          if (packet.messageId !== subscribeId) return;
          const refused = (packet.granted as number[]).some((g) => typeof g !== 'number' || g >= 0x80);
          if (refused) {
            this.fail(
              new MqttRefusedError(
                `the MQTT broker at ${target.host} refused the subscription to ${this.options.filters.join(', ')}`,
              ),
            );
            socket.destroy();
            return;
          }
          this.subscribed = true;
          log.debug({ clientId, filters: this.options.filters }, 'MQTT subscribed');
          this.started?.resolve();
          this.started = null;
          return;
        }
        case 'disconnect':
          log.warn({ clientId, reasonCode: packet.reasonCode }, 'the MQTT broker disconnected us');
          socket.destroy();
          return;
        default:
          // pingresp, puback of nothing we sent with QoS 1, and the like: liveness only.
          return;
      }
    });
    parser.on('error', (error: Error) => socket.destroy(error));
    socket.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      const { username, password, clean, sessionExpiry } = this.options;
      this.write({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId,
        clean,
        keepalive: this.options.keepalive ?? 30,
        ...(username ? { username } : {}),
        ...(password ? { password: Buffer.from(password) } : {}),
        properties: {
          ...(clean ? {} : { sessionExpiryInterval: sessionExpiry ?? 300 }),
          ...(this.options.receiveMaximum ? { receiveMaximum: this.options.receiveMaximum } : {}),
        },
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.stopped || this.socket !== socket) return;
      log.warn(
        { clientId, url: `${target.protocol}//${target.host}`, err: error.code ?? error.message },
        'MQTT connection error',
      );
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.subscribed = false;
      clearInterval(this.keepaliveTimer);
      if (this.stopped) return;
      this.scheduleReconnect();
    });
  }

  private startKeepalive(socket: net.Socket, answered: () => boolean): void {
    clearInterval(this.keepaliveTimer);
    const seconds = this.options.keepalive ?? 30;
    if (seconds <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      if (this.socket !== socket) return;
      // Nothing at all arrived since the last PINGREQ: the connection is dead, even if TCP has not noticed.
      if (!answered()) return void socket.destroy(new Error('no PINGRESP from the MQTT broker'));
      this.write({ cmd: 'pingreq' });
    }, seconds * 1000);
    this.keepaliveTimer.unref();
  }

  private scheduleReconnect(): void {
    const min = this.options.reconnectMinMs ?? 500;
    const max = this.options.reconnectMaxMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private fail(error: Error): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.started) {
      this.started.reject(error);
      this.started = null;
    } else this.options.log.error({ clientId: this.options.clientId, err: error.message }, 'MQTT stopped');
  }

  private id(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1;
    return id;
  }
}
