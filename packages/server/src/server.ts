// Starts one platform instance: configuration, database and migrations, first-start bootstrap, HTTP.
// main.ts calls this for production; the end-to-end tests call it with their own configuration.
import type { FastifyInstance } from 'fastify';
import type { Agent } from 'node:https';
import type { Logger } from 'pino';
import { buildApp, type BuildOptions } from './app.js';
import type { Config } from './config.js';
import { createContext, type AppContext } from './context.js';
import { openDatabase, type DatabaseHandle } from './core/db/database.js';
import { migrateToLatest } from './core/db/migrate.js';
import { bootstrap, type BootstrapResult } from './core/seed/bootstrap.js';
import { registerHousekeeping, scheduleHousekeeping } from './core/housekeeping.js';
import { registerCloudUploadJobs, scheduleCloudUploadCleanup } from './cloud/files/uploads.cleanup.js';
import { registerClubDataJobs, scheduleExportCleanup } from './cloud/privacy/data.jobs.js';
import { RequestsInFlight } from './core/http/requests-in-flight.js';
import { JobWorker } from './core/jobs/index.js';
import { registerRuleJobs } from './rules/rule.engine.js';
import { registerEgovJobs, scheduleEgovRetention } from './egov/egov.module.js';
import { ChirpstackMqttSubscriber } from './sensors/ingestion/chirpstack-mqtt.js';
import { sensorServices } from './sensors/ingestion/sensor-services.js';
import { checkMqttPort, startMqtt, type MqttExtension } from './sensors/mqtt/index.js';
import { registerSimulatorJobs, Simulator } from './sensors/simulator/simulator.js';
import {
  registerObservationStorageJobs,
  scheduleObservationStorage,
} from './sensors/observations/retention.js';
import {
  createMailer,
  createWebPushSender,
  mailerOptionsFromConfig,
  registerNotificationJobs,
  type Mailer,
} from './core/notifications/index.js';
import { registerConnectorJobs } from './egov/connectors/connector.service.js';

export interface RunningPlatform {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  bootstrap: BootstrapResult;
  /** The background worker of this instance; null when JOBS_ENABLED=false. */
  worker: JobWorker | null;
  /** ChirpStack events over MQTT; null without CHIRPSTACK_MQTT_URL. */
  chirpstackMqtt: ChirpstackMqttSubscriber | null;
  /** The demo sensors' simulator; null when SIMULATOR_ENABLED is off. */
  simulator: Simulator | null;
  /** SensorThings MQTT (embedded broker or external-broker client); null when switched off. */
  mqtt: MqttExtension | null;
  mailer: Mailer;
  close(): Promise<void>;
}

export interface StartOptions extends BuildOptions {
  log: Logger;
  /** Use this database instead of opening one from the configuration (tests). */
  database?: DatabaseHandle;
  /** The HTTPS agent Web Push uses (tests: trust a local push service's self-signed certificate). */
  webPushAgent?: Agent;
}

export async function startPlatform(config: Config, options: StartOptions): Promise<RunningPlatform> {
  const { log } = options;
  await checkMqttPort(config); // a taken MQTT_PORT stops the start before the database is touched
  const database = options.database ?? (await openWithRetry(config, log));
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
  const ctx = createContext(config, database);
  const result = await database.exclusive('srp:bootstrap', () => bootstrap(ctx));
  if (result.adminCreated) log.info({ email: result.adminCreated.email }, 'platform admin created');
  if (result.demoSeeded.length > 0) log.info({ regions: result.demoSeeded }, 'demo data seeded');

  const mailer = createMailer(mailerOptionsFromConfig(config));
  // Only a worker asks for it: without one, no request pays for being counted.
  const requestsInFlight = config.JOBS_ENABLED ? new RequestsInFlight() : undefined;
  let worker: JobWorker | null = null;
  if (requestsInFlight) {
    // Citizens waiting for an answer go first: jobs are claimed while no request is being worked on.
    worker = new JobWorker({
      queue: ctx.jobs,
      logger: log.child({ component: 'jobs' }),
      yieldTo: { busy: () => requestsInFlight.count > 0 },
    });
    registerNotificationJobs(worker, {
      mailer,
      webPush: createWebPushSender(
        ctx.db,
        config,
        options.webPushAgent ? { agent: options.webPushAgent } : {},
      ),
    });
    registerRuleJobs(worker, ctx.rules.engine, (warningId) => ctx.rules.fanOutWarning(warningId));
    registerHousekeeping(worker, ctx.jobs, ctx.db);
    registerSimulatorJobs(worker, ctx, log.child({ component: 'simulator' }));
    await scheduleHousekeeping(ctx.jobs);
    registerObservationStorageJobs(worker, ctx.jobs, ctx.db, {
      rawDays: config.SENSOR_RAW_RETENTION_DAYS,
      rollup5minDays: config.SENSOR_ROLLUP_5MIN_RETENTION_DAYS,
    });
    await scheduleObservationStorage(ctx.jobs);
    registerConnectorJobs(worker, ctx.connectors);
    registerEgovJobs(worker, ctx.jobs, ctx.egov);
    await scheduleEgovRetention(ctx.jobs);
    registerCloudUploadJobs(worker, ctx.jobs, ctx.db, ctx.files, config.CLOUD_UPLOAD_EXPIRY_HOURS);
    await scheduleCloudUploadCleanup(ctx.jobs);
    registerClubDataJobs(worker, ctx);
    await scheduleExportCleanup(ctx.jobs);
  }

  // Every instance evaluates the observations it stores itself (rules/README.md: several instances).
  const stopRules = ctx.rules.start(log.child({ component: 'rules' }));
  const app = await buildApp(ctx, { ...options, requestsInFlight });
  await app.listen({ host: config.HOST, port: config.PORT });
  const mqtt = await startMqtt(ctx, log.child({ component: 'mqtt' }), app.server).catch(async (error) => {
    await app.close();
    await worker?.stop();
    mailer.close();
    if (!options.database) await database.close();
    throw error;
  });
  let chirpstackMqtt: ChirpstackMqttSubscriber | null = null;
  if (config.CHIRPSTACK_MQTT_URL) {
    const { devices, ingestion } = sensorServices(ctx);
    chirpstackMqtt = new ChirpstackMqttSubscriber({
      config,
      devices,
      ingestion,
      log: log.child({ component: 'chirpstack-mqtt' }),
    });
    await chirpstackMqtt.start();
  }
  // Jobs start once the server answers: the demo back-fill keeps an embedded database busy for a minute,
  // and the start must not queue behind it (PGlite runs one query at a time).
  worker?.start();
  let simulator: Simulator | null = null;
  if (config.SIMULATOR_ENABLED) {
    simulator = new Simulator(ctx, log.child({ component: 'simulator' }));
    simulator.start();
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    app,
    ctx,
    url: `http://127.0.0.1:${port}`,
    bootstrap: result,
    worker,
    chirpstackMqtt,
    simulator,
    mqtt,
    mailer,
    close: async () => {
      await mqtt?.close();
      await simulator?.stop();
      await chirpstackMqtt?.stop();
      await app.close();
      stopRules();
      await ctx.rules.engine.idle();
      await worker?.stop();
      mailer.close();
      if (!options.database) await database.close();
    },
  };
}

/** PostgreSQL may still be starting (containers, reboots): try for about half a minute. */
async function openWithRetry(config: Config, log: Logger): Promise<DatabaseHandle> {
  const open = () =>
    openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
      onPoolError: (error) => log.warn({ err: error }, 'database connection lost'),
    });
  for (let attempt = 1; ; attempt++) {
    const handle = await open();
    try {
      await handle.ping();
      log.info({ database: handle.kind }, 'database connected');
      return handle;
    } catch (error) {
      await handle.close().catch(() => undefined);
      if (attempt >= 10) throw error;
      log.warn({ err: error, attempt }, 'database not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5_000)));
    }
  }
}
