// The living demo: registers the demo region's sensors as devices (publishing their Datastreams), feeds
// them every interval with TTS-shaped uplinks whose payload bytes the profile's firmware would send —
// through the same ingestion a real device's uplinks take — and back-fills a year of history on first
// start as chunked background jobs, written in large batches through the one observation entry point.
import type { Logger } from 'pino';
import type { AppContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import type { JobQueue, JobWorker } from '../../core/jobs/index.js';
import { DeviceRepository, type DeviceRow } from '../devices/device.repository.js';
import { PROFILES } from '../devices/profiles.js';
import { sensorServices } from '../ingestion/sensor-services.js';
import { parseTtsMessage } from '../ingestion/uplink.js';
import type { ObservationInput } from '../observations/observation.types.js';
import { DEMO_SENSORS, demoDevEui, rawValues, type DemoSensor } from './demo-sensors.js';
import { hash01, slotStart } from './signals.js';
import { SimulatorRepository } from './simulator.repository.js';

export const BACKFILL_JOB = 'sensors.simulator.backfill';
const CHUNK_DAYS = 30;
const DAY_MS = 86_400_000;

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'sensors.simulator.backfill': {
      municipalityId: string;
      deviceId: number;
      sensorKey: string;
      from: string;
      to: string;
      chunk: number;
      chunks: number;
    };
  }
}

/** A The Things Stack v3 uplink message as a real device on the demo sensor's place would produce. */
export function buildTtsUplink(
  seed: string,
  sensor: DemoSensor,
  t: number,
  slotMs: number,
): Record<string, unknown> {
  const devEui = demoDevEui(sensor);
  const slot = Math.floor(t / slotMs);
  const bytes = PROFILES[sensor.profile].encode(rawValues(seed, sensor, t));
  const at = new Date(t).toISOString();
  return {
    end_device_ids: {
      device_id: sensor.key,
      application_ids: { application_id: 'suedkreis-demo' },
      dev_eui: devEui,
    },
    correlation_ids: [`as:up:sim-${devEui}-${slot}`],
    received_at: at,
    uplink_message: {
      f_port: 2,
      f_cnt: slot % 65536,
      frm_payload: Buffer.from(bytes).toString('base64'),
      rx_metadata: [
        {
          gateway_ids: { gateway_id: `gw-${sensor.municipality}-rathaus` },
          time: new Date(t - 150).toISOString(),
          rssi: Math.round(-75 - 40 * hash01(seed, sensor.key, 'rssi', slot)),
          snr: Math.round((9 - 14 * hash01(seed, sensor.key, 'snr', slot)) * 4) / 4,
        },
      ],
      received_at: at,
    },
    simulated: true,
  };
}

/** Observations a sensor would have produced in [from, to): the back-fill's values. */
export function historyFor(
  seed: string,
  sensor: DemoSensor,
  device: Pick<DeviceRow, 'field_map' | 'mounting'>,
  from: number,
  to: number,
  slotMs: number,
): ObservationInput[] {
  const profile = PROFILES[sensor.profile];
  const fieldMap = device.field_map as Record<string, number>;
  const mounting = device.mounting as Record<string, number>;
  const inputs: ObservationInput[] = [];
  for (let t = slotStart(from, slotMs) + (from % slotMs === 0 ? 0 : slotMs); t < to; t += slotMs) {
    const values = profile.convert(rawValues(seed, sensor, t), mounting);
    const at = new Date(t);
    for (const m of profile.measurements) {
      const id = fieldMap[m.field];
      if (id === undefined) continue;
      inputs.push({
        datastreamId: id,
        phenomenonTime: { start: at, end: null },
        resultTime: at,
        result: values[m.field]!,
        parameters: { simulated: true },
      });
    }
  }
  return inputs;
}

const sensorByKey = new Map(DEMO_SENSORS.map((s) => [s.key, s]));

/**
 * Registers the demo sensors of every seeded demo municipality that does not have them yet, publishes
 * their Datastreams and Locations, and queues the back-fill of their history. Safe to call on each start.
 */
export async function seedDemoSensors(ctx: AppContext, now = Date.now()): Promise<DeviceRow[]> {
  const { devices } = sensorServices(ctx);
  const repository = new DeviceRepository(ctx.db);
  const actor = systemActor('demo seed');
  const created: { device: DeviceRow; sensor: DemoSensor }[] = [];
  const municipalities = new Map<string, string | null>();
  for (const sensor of DEMO_SENSORS) {
    if (!municipalities.has(sensor.municipality)) {
      const found = await ctx.tenancy.municipalityBySlug(sensor.municipality).catch(() => null);
      municipalities.set(sensor.municipality, found?.id ?? null);
    }
    const municipalityId = municipalities.get(sensor.municipality);
    if (!municipalityId) continue;
    const devEui = demoDevEui(sensor);
    if (await repository.findByDevEui(devEui)) continue;
    const device = await devices.create(
      municipalityId,
      {
        devEui,
        name: sensor.name,
        profile: sensor.profile,
        mounting: sensor.mounting,
        location: { latitude: sensor.latitude, longitude: sensor.longitude },
        description: `${PROFILES[sensor.profile].description} (Demo-Sensor, simuliert)`,
        publish: true,
      },
      actor,
    );
    created.push({ device, sensor });
  }
  if (ctx.config.SIMULATOR_ENABLED && ctx.config.SIMULATOR_BACKFILL_DAYS > 0)
    for (const { device, sensor } of created)
      await enqueueBackfill(ctx.jobs, ctx.config, device, sensor, now);
  return created.map((c) => c.device);
}

/** Chunks of CHUNK_DAYS from BACKFILL_DAYS ago up to the slot the live simulator starts with. */
export async function enqueueBackfill(
  jobs: JobQueue,
  config: AppContext['config'],
  device: DeviceRow,
  sensor: DemoSensor,
  now: number,
): Promise<number> {
  const slotMs = config.SIMULATOR_INTERVAL_MINUTES * 60_000;
  const to = slotStart(now, slotMs);
  const from = slotStart(to - config.SIMULATOR_BACKFILL_DAYS * DAY_MS, slotMs);
  const chunkMs = CHUNK_DAYS * DAY_MS;
  const chunks = Math.ceil((to - from) / chunkMs);
  for (let i = 0; i < chunks; i++) {
    const start = from + i * chunkMs;
    const end = Math.min(to, start + chunkMs);
    await jobs.enqueue(
      BACKFILL_JOB,
      {
        municipalityId: device.municipality_id,
        deviceId: device.id,
        sensorKey: sensor.key,
        from: new Date(start).toISOString(),
        to: new Date(end).toISOString(),
        chunk: i + 1,
        chunks,
      },
      {
        municipalityId: device.municipality_id,
        uniqueKey: `backfill:${device.dev_eui}:${start}`,
        // Newest first, so the recent past fills in before the distant one.
        runAt: new Date(Date.now() + (chunks - i) * 10),
      },
    );
  }
  return chunks;
}

/** Writes one back-fill chunk; a chunk written before (job retried, another worker) is skipped. */
export async function runBackfillChunk(
  ctx: AppContext,
  payload: { municipalityId: string; deviceId: number; sensorKey: string; from: string; to: string },
): Promise<number> {
  const sensor = sensorByKey.get(payload.sensorKey);
  const device = await new DeviceRepository(ctx.db).find(payload.municipalityId, payload.deviceId);
  if (!sensor || !device) return 0;
  const slotMs = ctx.config.SIMULATOR_INTERVAL_MINUTES * 60_000;
  const inputs = historyFor(
    ctx.config.SIMULATOR_SEED,
    sensor,
    device,
    Date.parse(payload.from),
    Date.parse(payload.to),
    slotMs,
  );
  const chunkKey = `${device.dev_eui}:${payload.from}:${payload.to}`;
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await new SimulatorRepository(trx).claimChunk(chunkKey, inputs.length))) return 0;
    // Through the one entry point, inside our transaction; history is not announced to live listeners.
    await ctx.observations.create(payload.municipalityId, inputs, trx);
    return inputs.length;
  });
}

export function registerSimulatorJobs(worker: JobWorker, ctx: AppContext, log: Logger): void {
  worker.register(
    BACKFILL_JOB,
    async (job) => {
      const written = await runBackfillChunk(ctx, job.payload);
      log.info(
        {
          sensor: job.payload.sensorKey,
          chunk: `${job.payload.chunk}/${job.payload.chunks}`,
          from: job.payload.from,
          observations: written,
        },
        'demo history back-filled',
      );
    },
    { timeoutMs: 5 * 60_000, concurrency: 1 },
  );
}

/** Sends the current slot's uplink of every demo sensor through the ingestion, once per slot. */
export class Simulator {
  private timer: NodeJS.Timeout | null = null;
  private lastSlot = -1;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running = this.tick().finally(() => (this.running = null));
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = null));
    }, 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round; exposed for tests. */
  async tick(now = Date.now()): Promise<number> {
    const slotMs = this.ctx.config.SIMULATOR_INTERVAL_MINUTES * 60_000;
    const slot = slotStart(now, slotMs);
    if (slot === this.lastSlot) return 0;
    this.lastSlot = slot;
    const { ingestion } = sensorServices(this.ctx);
    const repository = new DeviceRepository(this.ctx.db);
    let stored = 0;
    for (const sensor of DEMO_SENSORS) {
      try {
        const device = await repository.findByDevEui(demoDevEui(sensor));
        if (!device) continue;
        const raw = buildTtsUplink(this.ctx.config.SIMULATOR_SEED, sensor, slot, slotMs);
        const result = await ingestion.ingest(
          { municipalityId: device.municipality_id, integrationId: null, raw },
          parseTtsMessage(raw, 'simulator'),
        );
        if (result.status === 'stored') stored++;
      } catch (error) {
        this.log.warn({ err: error, sensor: sensor.key }, 'simulated uplink failed');
      }
    }
    return stored;
  }
}
