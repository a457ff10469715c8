// The platform's own MQTT broker (Aedes) for the SensorThings MQTT extension: TCP on MQTT_PORT and,
// for browsers, MQTT over WebSocket at /mqtt on the HTTP server. It is not a general-purpose broker:
// clients publish Observations to the STA topics and subscribe to STA topics (and to their own error
// topic); everything else is refused.
//
// Acknowledgements: a QoS 1 PUBLISH is stored inside `authorizePublish`, which Aedes waits for before
// it writes the PUBACK, so a PUBACK means "committed". A storage failure (database down) answers no
// PUBACK and closes the connection, so the client sends the message again after reconnecting. A message
// that can never be stored (no JSON, invalid Observation, no permission, wrong topic) is acknowledged,
// not stored, logged, and the reason is published to `srp/errors/<client id>` (MQTT 3.1.1 has no
// negative acknowledgement; not acknowledging would make the client resend it forever).
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { AuthService } from '../../core/auth/auth.service.js';
import type { Principal } from '../../core/auth/principal.js';
import { isPermanentRejection, type StaMqtt, type StaSubscription } from './sta-mqtt.js';
import { TopicError } from './topics.js';

export const ERROR_TOPIC_PREFIX = 'srp/errors/';
export const WEBSOCKET_PATH = '/mqtt';
/** Marks packets the platform itself sends, the only ones forwarded to subscribers. */
const PLATFORM_ORIGIN = 'srp-platform';
const BAD_USERNAME_OR_PASSWORD = 4;

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  auth: AuthService;
  sta: StaMqtt;
  log: Logger;
  /** Serve MQTT over WebSocket at /mqtt on this HTTP server. */
  httpServer?: HttpServer;
}

export class MqttPortInUseError extends Error {
  constructor(host: string, port: number) {
    super(
      `MQTT port ${port} on ${host} is already in use. Set MQTT_PORT to a free port, MQTT_URL to use that ` +
        'broker instead, or MQTT_ENABLED=false (or MQTT_PORT=0) to start without MQTT.',
    );
    this.name = 'MqttPortInUseError';
  }
}

interface ClientState {
  principal: Principal | null;
  subscriptions: Map<string, StaSubscription>;
  /** Property topics' values read before their SUBACK, until Aedes confirms the subscription. */
  current: Map<string, string | null>;
}

export class EmbeddedBroker {
  private readonly clients = new WeakMap<Client, ClientState>();
  private tcp: net.Server | null = null;
  private ws: WebSocketServer | null = null;
  private upgrade: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  private constructor(
    private readonly broker: Aedes,
    private readonly options: EmbeddedBrokerOptions,
  ) {}

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    let self: EmbeddedBroker | null = null;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) =>
        self!.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => self!.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => self!.authorizeSubscribe(client, sub, done),
      authorizeForward: (_client, packet) => (packet.brokerId === PLATFORM_ORIGIN ? packet : null),
    });
    self = new EmbeddedBroker(broker, options);
    broker.on('subscribe', (subs, client) => self.subscribed(subs, client));
    broker.on('unsubscribe', (topics, client) => self.unsubscribed(topics, client));
    broker.on('clientDisconnect', (client) => self.disconnected(client));
    broker.on('clientError', (client, error) =>
      options.log.debug({ err: error, clientId: client.id }, 'MQTT client error'),
    );
    try {
      await self.listen();
    } catch (error) {
      await self.close();
      throw error;
    }
    return self;
  }

  /** The TCP port actually bound (MQTT_PORT may have asked for any free one in tests). */
  get port(): number {
    const address = this.tcp?.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  private async listen(): Promise<void> {
    const { host, port, httpServer } = this.options;
    const server = net.createServer((socket) => this.broker.handle(socket));
    this.tcp = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new MqttPortInUseError(host, port) : error),
      );
      server.listen(port, host, () => resolve());
    });
    if (httpServer) {
      const wss = new WebSocketServer({ noServer: true });
      this.ws = wss;
      this.upgrade = (request, socket, head) => {
        if (new URL(request.url ?? '/', 'http://x').pathname !== WEBSOCKET_PATH) return;
        wss.handleUpgrade(request, socket, head, (ws) => {
          const stream = createWebSocketStream(ws);
          stream.on('error', () => stream.destroy());
          this.broker.handle(stream, request);
        });
      };
      httpServer.on('upgrade', this.upgrade);
    }
  }

  async close(): Promise<void> {
    if (this.upgrade) this.options.httpServer?.off('upgrade', this.upgrade);
    for (const client of this.ws?.clients ?? []) client.terminate();
    this.ws?.close();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    const tcp = this.tcp;
    if (tcp?.listening) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: (Error & { returnCode: number }) | null, success: boolean | null) => void,
  ): void {
    const reject = () => {
      const error = Object.assign(new Error('Bad user name or password'), {
        returnCode: BAD_USERNAME_OR_PASSWORD,
      });
      done(error, false);
    };
    if (!password || password.length === 0) {
      // Anonymous: may subscribe to what is published, may not create anything.
      this.clients.set(client, { principal: null, subscriptions: new Map(), current: new Map() });
      return done(null, true);
    }
    const secret = password.toString('utf8');
    const user = (username ?? '').trim();
    const ip = (client.conn as Partial<net.Socket>).remoteAddress ?? 'mqtt';
    const lookup =
      user === '' || user.toLowerCase() === 'apikey'
        ? this.options.auth.principalFromBearer(secret)
        : this.options.auth.principalFromBasic(user, secret, ip);
    lookup.then(
      (principal) => {
        if (!principal) return reject();
        this.clients.set(client, { principal, subscriptions: new Map(), current: new Map() });
        done(null, true);
      },
      (error: unknown) => {
        this.options.log.info({ err: error, clientId: client.id }, 'MQTT authentication refused');
        reject();
      },
    );
  }

  private authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    if (!client) return done(null); // the broker's own ($SYS heartbeats)
    const state = this.clients.get(client);
    const { sta, log } = this.options;
    sta.createFromPublish(packet.topic, packet.payload as Buffer, state?.principal ?? null).then(
      () => done(null),
      (error: unknown) => {
        if (!isPermanentRejection(error)) {
          log.error({ err: error, clientId: client.id, topic: packet.topic }, 'MQTT observation not stored');
          return done(error instanceof Error ? error : new Error(String(error)));
        }
        const message = error instanceof Error ? error.message : String(error);
        log.info({ clientId: client.id, topic: packet.topic, reason: message }, 'MQTT publish rejected');
        this.sendError(client, packet.topic, error);
        done(null);
      },
    );
  }

  private sendError(client: Client, topic: string, error: unknown): void {
    const code = error instanceof TopicError ? 'invalid_topic' : (error as { code?: string }).code;
    const status = error instanceof TopicError ? 400 : (error as { status?: number }).status;
    const payload = JSON.stringify({
      code: status,
      type: 'error',
      topic,
      message: error instanceof Error ? error.message : String(error),
      error: { code },
    });
    this.deliver(client, `${ERROR_TOPIC_PREFIX}${client.id}`, Buffer.from(payload), 0);
  }

  private deliver(client: Client, topic: string, payload: Buffer, qos: 0 | 1): void {
    const packet = {
      cmd: 'publish',
      topic,
      payload,
      qos,
      retain: false,
      dup: false,
      brokerId: PLATFORM_ORIGIN,
    };
    client.publish(packet as unknown as PublishPacket, (error) => {
      if (error) this.options.log.debug({ err: error, clientId: client.id }, 'MQTT delivery failed');
    });
  }

  private authorizeSubscribe(
    client: Client,
    sub: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    if (sub.topic === `${ERROR_TOPIC_PREFIX}${client.id}`) return done(null, sub);
    const state = this.clients.get(client);
    const granted = { ...sub, qos: sub.qos > 1 ? 1 : sub.qos };
    // Validate only; the subscription is registered once Aedes has confirmed it ('subscribe'). A property
    // topic's SUBACK waits for its current value, so every change after the SUBACK is told.
    this.options.sta.propertyNow(sub.topic, state?.principal ?? null).then(
      (current) => {
        if (current !== undefined) state?.current.set(sub.topic, current);
        done(null, granted);
      },
      (error: unknown) => {
        if (!(error instanceof TopicError)) return done(null, granted);
        this.options.log.info(
          { clientId: client.id, topic: sub.topic, err: error },
          'MQTT subscription refused',
        );
        done(null, null);
      },
    );
  }

  private subscribed(subs: Subscription[], client: Client): void {
    const state = this.clients.get(client);
    if (!state) return;
    for (const sub of subs) {
      if (sub.topic.startsWith(ERROR_TOPIC_PREFIX)) continue;
      const previous = state.subscriptions.get(sub.topic);
      if (previous) this.options.sta.unsubscribe(previous);
      const qos: 0 | 1 = sub.qos >= 1 ? 1 : 0;
      try {
        const current = state.current.get(sub.topic);
        state.current.delete(sub.topic);
        const subscription = this.options.sta.subscribe(
          sub.topic,
          state.principal,
          (payload) => this.deliver(client, sub.topic, payload, qos),
          current,
        );
        state.subscriptions.set(sub.topic, subscription);
      } catch {
        // refused in authorizeSubscribe already
      }
    }
  }

  private unsubscribed(topics: string[], client: Client): void {
    const state = this.clients.get(client);
    for (const topic of topics) {
      const subscription = state?.subscriptions.get(topic);
      if (subscription) this.options.sta.unsubscribe(subscription);
      state?.subscriptions.delete(topic);
    }
  }

  private disconnected(client: Client): void {
    const state = this.clients.get(client);
    for (const subscription of state?.subscriptions.values() ?? [])
      this.options.sta.unsubscribe(subscription);
    this.clients.delete(client);
  }
}
