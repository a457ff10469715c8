// ChirpStack v4 over MQTT: subscribes to the device events ChirpStack publishes on
// application/{applicationId}/device/{devEui}/event/{event} (JSON marshaler) and hands them to the same
// ingestion as the HTTP integration. The broker is trusted; the application id in the topic names the
// integration (and so the municipality). Several platform instances join one shared subscription, so
// each event is handled by one of them.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { isAppError } from '../../core/errors.js';
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
  private client: MqttClient | null = null;
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
    const client = mqtt.connect(config.CHIRPSTACK_MQTT_URL, {
      protocolVersion: 5,
      clientId: `srp-ingest-${Math.random().toString(36).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 5_000,
      connectTimeout: 10_000,
      ...(config.CHIRPSTACK_MQTT_USERNAME ? { username: config.CHIRPSTACK_MQTT_USERNAME } : {}),
      ...(config.CHIRPSTACK_MQTT_PASSWORD ? { password: config.CHIRPSTACK_MQTT_PASSWORD } : {}),
    });
    this.client = client;
    client.on('error', (error) => log.warn({ err: error }, 'ChirpStack MQTT error'));
    client.on('message', (topic, payload) => {
      const work = this.handle(topic, payload).finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
    const subscribed = new Promise<void>((resolve) => {
      // A clean session forgets subscriptions, so every (re)connect subscribes again.
      client.on('connect', () => {
        client.subscribe(filter, { qos: 1 }, (error) => {
          if (error) log.error({ err: error, filter }, 'ChirpStack MQTT subscription failed');
          else {
            log.info({ filter }, 'subscribed to ChirpStack events');
            resolve();
          }
        });
      });
    });
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
    await this.client?.endAsync();
    this.client = null;
    await Promise.allSettled([...this.pending]);
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
