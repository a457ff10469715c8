// ChirpStack v4 over MQTT: subscribes to the device events ChirpStack publishes on
// application/{applicationId}/device/{devEui}/event/{event} (JSON marshaler) and hands them to the same
// ingestion as the HTTP integration. The broker is trusted; the application id in the topic names the
// integration (and so the municipality). Several platform instances join one shared subscription, so
// each event is handled by one of them. The PUBACK goes out only after the event was handled.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { isAppError } from '../../core/errors.js';
import { MqttSubscriber } from '../mqtt/mqtt-subscriber.js';
import type { DeviceService } from '../devices/device.service.js';
import { IngestionService, type IngestResult } from './ingestion.service.js';
import { CHIRPSTACK_EVENTS, parseChirpstackEvent } from './uplink.js';

const TOPIC = /^application\/([^/]+)\/device\/([0-9A-Fa-f]{16})\/event\/([a-z]+)$/;

export interface ChirpstackMqttOptions {
  config: Pick<
    Config,
    | 'CHIRPSTACK_MQTT_URL'
    | 'CHIRPSTACK_MQTT_USERNAME'
    | 'CHIRPSTACK_MQTT_PASSWORD'
    | 'CHIRPSTACK_MQTT_TOPIC'
    | 'CHIRPSTACK_MQTT_SHARE_GROUP'
  >;
  devices: DeviceService;
  ingestion: IngestionService;
  log: Logger;
  /** Called after each handled message (tests and metrics). */
  onHandled?: (topic: string, result: IngestResult | Error) => void;
}

export class ChirpstackMqttSubscriber {
  private client: MqttSubscriber | null = null;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: ChirpstackMqttOptions) {}

  /**
   * Connects and subscribes. Resolves once the broker confirmed the subscription, or after
   * `waitMs` with the client still trying in the background: a broker that is down delays nothing.
   */
  async start(waitMs = 10_000): Promise<void> {
    const { config, log } = this.options;
    if (!config.CHIRPSTACK_MQTT_URL) return;
    const filter = config.CHIRPSTACK_MQTT_SHARE_GROUP
      ? `$share/${config.CHIRPSTACK_MQTT_SHARE_GROUP}/${config.CHIRPSTACK_MQTT_TOPIC}`
      : config.CHIRPSTACK_MQTT_TOPIC;
    const client = new MqttSubscriber({
      url: config.CHIRPSTACK_MQTT_URL,
      clientId: `srp-ingest-${Math.random().toString(36).slice(2, 10)}`,
      // A clean session forgets subscriptions, so the client subscribes again on every (re)connect.
      clean: true,
      filters: [filter],
      reconnectMaxMs: 5_000,
      username: config.CHIRPSTACK_MQTT_USERNAME,
      password: config.CHIRPSTACK_MQTT_PASSWORD,
      log,
      // The PUBACK waits until the event is handled (stored, quarantined or dropped as bad).
      onMessage: (message) => {
        const work = this.handle(message.topic, message.payload)
          .then(() => message.ack())
          .finally(() => this.pending.delete(work));
        this.pending.add(work);
      },
    });
    this.client = client;
    const subscribed = client.start().then(
      () => log.info({ filter }, 'subscribed to ChirpStack events'),
      (error: unknown) => log.error({ err: error, filter }, 'ChirpStack MQTT subscription failed'),
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      subscribed.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!waited)
      log.warn({ url: config.CHIRPSTACK_MQTT_URL }, 'ChirpStack MQTT broker not reachable yet, retrying');
  }

  async stop(): Promise<void> {
    // Events under way are finished and acknowledged first: a clean session forgets unacknowledged ones.
    await Promise.allSettled([...this.pending]);
    await this.client?.stop();
    this.client = null;
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const { devices, ingestion, log, onHandled } = this.options;
    try {
      const match = TOPIC.exec(topic);
      if (!match) throw new Error(`not a ChirpStack device event topic: ${topic}`);
      const [, applicationId, , event] = match;
      if (!(CHIRPSTACK_EVENTS as readonly string[]).includes(event!))
        throw new Error(`unknown event ${event}`);
      const integration = await devices.integrationForChirpstackApplication(applicationId!);
      if (!integration) throw new Error(`no integration for ChirpStack application ${applicationId}`);
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new Error('payload is not JSON (configure ChirpStack with the JSON marshaler)');
      }
      const message = parseChirpstackEvent(event!, body);
      const result = await ingestion.ingest(IngestionService.forIntegration(integration, body), message);
      if (result.status === 'quarantined')
        log.info({ topic, reason: result.reason }, 'ChirpStack uplink quarantined');
      onHandled?.(topic, result);
    } catch (error) {
      // A bad message must not stop the subscription: log it and go on with the next one.
      const err = error instanceof Error ? error : new Error(String(error));
      log.warn({ topic, err: isAppError(err) ? err.message : err }, 'ChirpStack MQTT event dropped');
      onHandled?.(topic, err);
    }
  }
}
