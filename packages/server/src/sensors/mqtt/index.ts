// Starts the SensorThings MQTT extension as configured: the embedded broker (default), the client of an
// external broker (MQTT_URL), or nothing (MQTT_ENABLED=false or MQTT_PORT=0), and announces what runs
// in the SensorThings service root (conformance classes and endpoints).
import type { Server as HttpServer } from 'node:http';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { AppContext } from '../../context.js';
import { isAppError } from '../../core/errors.js';
import { sensorThingsFor } from '../sensorthings/module.js';
import { STA_PREFIX } from '../sensorthings/sta.routes.js';
import { EmbeddedBroker, MqttPortInUseError, WEBSOCKET_PATH } from './embedded-broker.js';
import { ExternalBrokerBridge } from './external-broker.js';
import { StaMqtt } from './sta-mqtt.js';

export const MQTT_CREATE_CONFORMANCE =
  'http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation';
export const MQTT_RECEIVE_CONFORMANCE =
  'http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates';

export interface MqttExtension {
  mode: 'embedded' | 'external';
  sta: StaMqtt;
  broker: EmbeddedBroker | null;
  bridge: ExternalBrokerBridge | null;
  endpoints: string[];
  /** Waits until the notifications of every change so far are out (tests, benchmarks). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fails fast when the embedded broker will not be able to listen on the port the operator chose: called
 * before the database is opened and seeded, so a wrong MQTT_PORT changes nothing. (startMqtt checks again:
 * the port may be taken in between.)
 */
export async function checkMqttPort(config: Config): Promise<void> {
  if (!config.MQTT_ENABLED || config.MQTT_URL || config.MQTT_PORT === 0 || !config.mqttPortChosen) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new MqttPortInUseError(config.MQTT_HOST, config.MQTT_PORT) : error,
      ),
    );
    probe.listen(config.MQTT_PORT, config.MQTT_HOST, () => probe.close(() => resolve()));
  });
}

/** Null when MQTT is switched off. Throws (MqttPortInUseError) when the embedded broker cannot listen. */
export async function startMqtt(
  ctx: AppContext,
  log: Logger,
  httpServer: HttpServer,
): Promise<MqttExtension | null> {
  const { config } = ctx;
  if (!config.MQTT_ENABLED || (!config.MQTT_URL && config.MQTT_PORT === 0)) return null;
  const module = sensorThingsFor(ctx);
  // PUBLIC_URL defaults to http://localhost:PORT; with PORT=0 the port is known only now.
  const address = httpServer.address();
  const publicUrl =
    typeof address === 'object' && address && /:0$/.test(config.PUBLIC_URL)
      ? config.PUBLIC_URL.replace(/:0$/, `:${address.port}`)
      : config.PUBLIC_URL;
  const sta = new StaMqtt({
    handler: module.handler,
    entities: module.entities,
    observations: ctx.observations,
    base: `${publicUrl}${STA_PREFIX}`,
    log,
    maxTop: config.STA_MAX_TOP,
    publications: ctx.publications,
  });
  const publicHost = new URL(publicUrl).hostname;
  const announce = (conformance: string[], endpoints: string[]) => {
    for (const c of conformance) {
      module.extensions.conformance.push(c);
      module.extensions.settings[c] = { endpoints };
    }
  };
  const unannounce = () => {
    for (const c of [MQTT_CREATE_CONFORMANCE, MQTT_RECEIVE_CONFORMANCE]) {
      module.extensions.conformance = module.extensions.conformance.filter((x) => x !== c);
      delete module.extensions.settings[c];
    }
  };

  if (config.MQTT_URL) {
    const bridge = new ExternalBrokerBridge({
      url: config.MQTT_URL,
      username: config.MQTT_USERNAME,
      password: config.MQTT_PASSWORD,
      shareGroup: config.MQTT_SHARE_GROUP,
      topicPrefix: config.MQTT_TOPIC_PREFIX,
      connections: config.MQTT_CONNECTIONS,
      sta,
      municipalityBySlug: async (slug) => {
        try {
          return await ctx.tenancy.municipalityBySlug(slug);
        } catch (error) {
          if (isAppError(error) && error.status === 404) return null;
          throw error;
        }
      },
      log,
    });
    await bridge.start();
    const url = new URL(config.MQTT_URL);
    const endpoints = [`${url.protocol}//${url.host}`];
    // Creation goes through the municipality prefix there, so only receiving updates is standard.
    announce([MQTT_RECEIVE_CONFORMANCE], endpoints);
    log.info(
      { url: endpoints[0], prefix: config.MQTT_TOPIC_PREFIX },
      'SensorThings MQTT via external broker',
    );
    return {
      mode: 'external',
      sta,
      broker: null,
      bridge,
      endpoints,
      idle: async () => {
        await sta.idle();
        await bridge.idle();
      },
      close: async () => {
        unannounce();
        await bridge.stop();
        sta.stop();
      },
    };
  }

  let broker: EmbeddedBroker;
  try {
    broker = await EmbeddedBroker.start({
      host: config.MQTT_HOST,
      port: config.MQTT_PORT,
      auth: ctx.auth,
      sta,
      log,
      ...(config.MQTT_WEBSOCKET ? { httpServer } : {}),
    });
  } catch (error) {
    sta.stop();
    // A port the operator chose must stop the start. The unconfigured default gives way to a broker that
    // already runs on this machine (often a local Mosquitto), so `npm install && npm start` still works.
    if (error instanceof MqttPortInUseError && !config.mqttPortChosen) {
      log.warn(`${error.message} Running without the embedded MQTT broker.`);
      return null;
    }
    throw error;
  }
  const web = new URL(publicUrl);
  const endpoints = [
    `mqtt://${publicHost}:${broker.port}`,
    ...(config.MQTT_WEBSOCKET
      ? [`${web.protocol === 'https:' ? 'wss' : 'ws'}://${web.host}${WEBSOCKET_PATH}`]
      : []),
  ];
  announce([MQTT_CREATE_CONFORMANCE, MQTT_RECEIVE_CONFORMANCE], endpoints);
  log.info({ endpoints }, 'SensorThings MQTT broker listening');
  return {
    mode: 'embedded',
    sta,
    broker,
    bridge: null,
    endpoints,
    idle: () => sta.idle(),
    close: async () => {
      unannounce();
      await broker.close();
      sta.stop();
    },
  };
}
