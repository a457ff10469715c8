// npm run bench:sensors [-- --postgres | --pglite | --mqtt] [--quick] [--rounds N] [--instances N] [--cpu-prof DIR] (the last three: MQTT)   (or -- --layout: storage layout comparison)
// The sensor storage benchmark (not a test): starts the real platform in this process against a fresh
// PostgreSQL database (created and dropped here) and/or an in-memory PGlite, and prints each figure beside
// a reference measured in the same run. Load for HTTP ingestion comes from child processes (bulk-client.ts);
// on PostgreSQL the read figures are timed against a second instance in a child process (platform-server.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import mqtt from 'mqtt';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../packages/server/src/core/db/database.js';
import { migrateToLatest } from '../packages/server/src/core/db/migrate.js';
import { PGliteDialect } from '../packages/server/src/core/db/pglite-dialect.js';
import type { DB } from '../packages/server/src/core/db/schema.js';
import type { RunningPlatform } from '../packages/server/src/server.js';
import { createSensorFixture } from '../packages/server/src/sensors/observations/observation.fixtures.js';
import { TimeseriesRepository } from '../packages/server/src/sensors/observations/timeseries.repository.js';
import {
  childAsker,
  childrenCpuMicros,
  closeChildren,
  forkBenchChild,
  percentile,
  POSTGRES_VIA,
  scratchDatabase,
  startBenchPlatform,
  tenantWithKey,
} from './lib.js';
import type { PlatformServerStarted, StartPlatformServer } from './platform-server.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const engines = args.has('--mqtt')
  ? []
  : args.has('--pglite')
    ? ['pglite']
    : args.has('--postgres')
      ? ['postgres']
      : ['postgres', 'pglite'];
const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const LATEST_STREAMS = 10_000;
const YEAR_ROWS = 525_600;

interface Row {
  engine: string;
  figure: string;
  value: number;
  unit: string;
  reference: number | null;
  referenceLabel: string;
  /** 'higher' for rates, 'lower' for latencies; null: no target. */
  target: { kind: 'min' | 'max'; value: number; minRatio?: number } | null;
  note?: string;
}
const rows: Row[] = [];
const log = (message: string) => console.error(`[bench] ${message}`);
const askPlatformServer = childAsker<StartPlatformServer, PlatformServerStarted>('bench platform server');

async function main() {
  if (args.has('--layout')) {
    await import('./layout.js'); // the storage layout comparison (migration 0005's decision)
    return;
  }
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  console.log(
    `Machine: ${os.cpus().length} cores, load average before: ${load()} (1/5/15 min); PostgreSQL via ${POSTGRES_VIA}`,
  );
  for (const engine of engines) {
    try {
      if (engine === 'postgres') await benchPostgres();
      else await benchPGlite();
    } catch (error) {
      log(`${engine} failed: ${(error as Error).stack}`);
    }
    printTable(); // after each engine, so a later failure cannot swallow earlier figures
    rows.length = 0;
  }
  rows.push(...(await benchMqtt()));
  printTable();
  console.log(`\nLoad average after: ${load()} (other processes on this machine share the cores)`);
}

// --------------------------------------------------------------------------------------------------------

/** `count` published Datastreams on one Thing, created in one statement. */
async function manyDatastreams(db: Database, municipalityId: string, count: number): Promise<number[]> {
  const fixture = await createSensorFixture(db, municipalityId, 1);
  const template = await db
    .selectFrom('sensor_datastreams')
    .selectAll()
    .where('id', '=', fixture.datastreamIds[0]!)
    .executeTakeFirstOrThrow();
  const created = await sql<{ id: number }>`
    insert into sensor_datastreams (municipality_id, thing_id, sensor_id, observed_property_id, name, observation_type, unit_of_measurement)
    select ${municipalityId}::uuid, ${template.thing_id}, ${template.sensor_id}, ${template.observed_property_id}, 'Reihe ' || g,
      ${template.observation_type}, '{"name":"degree Celsius","symbol":"°C"}'::jsonb
    from generate_series(1, ${count}) g returning id`.execute(db);
  const ids = created.rows.map((r) => r.id);
  await sql`insert into publications (municipality_id, resource_type, resource_id)
    select ${municipalityId}::uuid, 'datastream', id::text from unnest(${ids}::bigint[]) id`.execute(db);
  return ids;
}

async function httpIngestion(
  platform: RunningPlatform,
  apiKey: string,
  ids: number[],
  clients: number,
  seconds: number,
) {
  const perClient = Math.ceil(ids.length / clients);
  const startMs = Date.UTC(2026, 0, 1);
  const results = await Promise.all(
    Array.from({ length: clients }, (_, c) => {
      const child = fork(path.join(import.meta.dirname, 'bulk-client.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return new Promise<{
        stored: number;
        requests: number;
        errors: number;
        lastError: string;
        elapsedMs: number;
      }>((resolve, reject) => {
        child.once('message', resolve as (m: unknown) => void);
        child.once('error', reject);
        child.send({
          url: platform.url,
          apiKey,
          datastreamIds: ids.slice(c * perClient, (c + 1) * perClient),
          streamsPerRequest: 10,
          valuesPerStream: 500,
          concurrency: 2,
          durationMs: seconds * 1000,
          startMs,
        });
      });
    }),
  );
  const stored = results.reduce((s, r) => s + r.stored, 0);
  const errors = results.reduce((s, r) => s + r.errors, 0);
  if (errors > 0) log(`ingestion errors: ${errors}, e.g. ${results.find((r) => r.lastError)?.lastError}`);
  const elapsed = Math.max(...results.map((r) => r.elapsedMs)) / 1000;
  return { rate: stored / elapsed, stored, errors };
}

/** Observation rows as COPY text, the same shape the HTTP path stores. */
function* copyLines(rows: number, ids: number[], municipalityId: string, featureId: number, firstId: number) {
  const start = Date.UTC(2026, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const ds = ids[i % ids.length]!;
    const t = new Date(start + Math.floor(i / ids.length) * 60_000).toISOString();
    chunk += `${firstId + i}\t${municipalityId}\t${ds}\t\\N\t${featureId}\t${t}\t\\N\t\\N\t${(Math.sin(i) * 20).toFixed(3)}\t\\N\t\\N\t\\N\t\\N\t\\N\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** GET with one retry: after a long pause the server may have closed the kept-alive socket. */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch {
    return fetch(url);
  }
}

/** GET with Accept-Encoding: gzip; resolves when the last byte arrived (nothing decoded). */
function receiveAll(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve(bytes));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

async function timed(runs: number, fn: () => Promise<unknown>, warmup = Math.min(10, runs)) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    samples.push(performance.now() - s);
  }
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95) };
}

/**
 * The two read figures, on whichever engine `platform` runs. The HTTP calls go to `serverUrl`: on
 * PostgreSQL a platform instance in a child process (a client never shares the server's event loop and
 * heap), on PGlite this process's platform (its database lives in this process).
 */
async function readFigures(
  engine: string,
  platform: RunningPlatform,
  municipalityId: string,
  latestIds: number[],
  serverUrl = platform.url,
) {
  const db = platform.ctx.db;
  const runs = quick ? 30 : 100;
  // Latest values of 10,000 Datastreams: the public HTTP call (all of a municipality's published
  // Datastreams) end to end, and the query behind it; reference: DISTINCT ON over the raw table.
  const latestUrl = `${serverUrl}/api/sensors/latest?municipality=${municipalityId}`;
  const check = (await (await get(latestUrl)).json()) as { datastreams: unknown[] };
  if (check.datastreams.length < latestIds.length)
    throw new Error(`latest returned ${check.datastreams.length}`);
  const http = await timed(runs, async () => (await get(latestUrl)).text());
  // The same call, timed until the last byte of the (gzip) answer arrived: what the server does, without
  // the client's inflating and decoding of ~700 KB, which runs in this same process.
  const httpBytes = await timed(runs, () => receiveAll(latestUrl));
  // The same while sensors report: before each GET, 100 of the Datastreams got a new value, stored by this
  // process 20 ms earlier (the server hears of it by NOTIFY), so the server brings its answer up to date.
  const changing: number[] = [];
  for (let i = 0; i < runs + 10; i++) {
    await platform.ctx.observations.create(
      municipalityId,
      Array.from({ length: 100 }, (_, k) => ({
        datastreamId: latestIds[((i + 1) * 100 + k) % latestIds.length]!,
        phenomenonTime: { start: new Date(Date.UTC(2027, 0, 1) + (i + 1) * 60_000), end: null },
        result: i + 1 + k,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await (await get(latestUrl)).text();
    if (i >= 10) changing.push(performance.now() - started);
  }
  // A round trip to the database that does nothing: how much the machine's load adds to any query.
  const select1 = await timed(runs, () => sql`select 1`.execute(db));
  const repo = new TimeseriesRepository(db);
  const query = await timed(runs, () => repo.latestLines({ municipalityId }, { municipalities: [] }));
  const distinctOn = await timed(
    Math.max(5, runs / 10),
    () =>
      sql`select distinct on (datastream_id) datastream_id, phenomenon_time_start, result_number
        from sensor_observations where datastream_id = any(${latestIds}::bigint[])
        order by datastream_id, phenomenon_time_start desc`.execute(db),
    2,
  );
  const target = engine === 'postgres' ? { kind: 'max' as const, value: 20 } : null;
  rows.push(
    {
      engine,
      figure: `latest of ${latestIds.length.toLocaleString('en')} Datastreams, HTTP GET p95`,
      value: http.p95,
      unit: 'ms',
      reference: distinctOn.p95,
      referenceLabel: 'DISTINCT ON raw, p95',
      target,
    },
    {
      engine,
      figure: `  … the same, 100 of them changed before each GET, p95`,
      value: percentile(changing, 0.95),
      unit: 'ms',
      reference: distinctOn.p95,
      referenceLabel: 'DISTINCT ON raw, p95',
      target: null,
      note: `p50 ${percentile(changing, 0.5).toFixed(2)} ms`,
    },
    {
      engine,
      figure: `  … the same, until the last gzip byte (client does not decode), p95`,
      value: httpBytes.p95,
      unit: 'ms',
      reference: distinctOn.p95,
      referenceLabel: 'DISTINCT ON raw, p95',
      target: null,
      note: `p50 ${httpBytes.p50.toFixed(2)} ms; with decoding p50 ${http.p50.toFixed(2)} ms`,
    },
    {
      engine,
      figure: `  … the query behind it, p95`,
      value: query.p95,
      unit: 'ms',
      reference: distinctOn.p95,
      referenceLabel: 'DISTINCT ON raw, p95',
      target,
    },
    {
      engine,
      figure: '`select 1` round trip (machine load), p95',
      value: select1.p95,
      unit: 'ms',
      reference: null,
      referenceLabel: '',
      target: null,
      note: `p50 ${select1.p50.toFixed(2)} ms`,
    },
  );

  // One year of 1-minute data of one Datastream as daily means (Europe/Berlin days).
  const yearStream = (await createSensorFixture(db, municipalityId, 1)).datastreamIds[0]!;
  await sql`insert into publications (municipality_id, resource_type, resource_id) values (${municipalityId}::uuid, 'datastream', ${String(yearStream)})`.execute(
    db,
  );
  const t0 = performance.now();
  const start = Date.UTC(2025, 0, 1) - 3_600_000; // 1 Jan 2025 00:00 in Berlin
  for (let i = 0; i < YEAR_ROWS; i += 20_000) {
    const batch = [];
    for (let j = i; j < Math.min(YEAR_ROWS, i + 20_000); j++)
      batch.push({
        datastreamId: yearStream,
        phenomenonTime: { start: new Date(start + j * 60_000), end: null },
        result: Math.sin(j / 300) * 10 + 5,
      });
    await platform.ctx.observations.create(municipalityId, batch);
  }
  const loadRate = YEAR_ROWS / ((performance.now() - t0) / 1000);
  const from = new Date(start).toISOString();
  const to = new Date(start + YEAR_ROWS * 60_000).toISOString();
  const aggUrl = `${serverUrl}/api/sensors/datastreams/${yearStream}/aggregates?interval=day&from=${from}&to=${to}`;
  const agg = (await (await get(aggUrl)).json()) as { buckets: unknown[] };
  if (agg.buckets.length !== 365) throw new Error(`expected 365 days, got ${agg.buckets.length}`);
  const aggHttp = await timed(runs, async () => (await get(aggUrl)).text());
  const aggQuery = await timed(runs, () =>
    repo.rollups(yearStream, 'day', new Date(from), new Date(to), 1001),
  );
  const bruteForce = await timed(
    Math.max(5, runs / 10),
    () =>
      sql`select date_trunc('day', phenomenon_time_start, 'Europe/Berlin') as day, avg(result_number)
        from sensor_observations where datastream_id = ${yearStream}
          and phenomenon_time_start >= ${from}::timestamptz and phenomenon_time_start < ${to}::timestamptz
        group by 1 order by 1`.execute(db),
    1,
  );
  rows.push(
    {
      engine,
      figure: 'daily means of 1 year of 1-min data, HTTP GET p95',
      value: aggHttp.p95,
      unit: 'ms',
      reference: bruteForce.p95,
      referenceLabel: 'date_trunc GROUP BY raw, p95',
      target,
    },
    {
      engine,
      figure: '  … the query behind it, p95',
      value: aggQuery.p95,
      unit: 'ms',
      reference: bruteForce.p95,
      referenceLabel: 'date_trunc GROUP BY raw, p95',
      target,
    },
    {
      engine,
      figure: 'back-fill through ObservationService.create (20k batches)',
      value: loadRate,
      unit: 'obs/s',
      reference: null,
      referenceLabel: '',
      target: null,
    },
  );
}

// --------------------------------------------------------------------------------------------------------

async function benchPostgres() {
  log(`PostgreSQL (${POSTGRES_VIA}): creating a scratch database`);
  const { url, drop } = await scratchDatabase('srp_bench_sensors');
  let platform: RunningPlatform | undefined;
  let reader: ChildProcess | undefined;
  try {
    platform = await startBenchPlatform({ DATABASE_URL: url, DATABASE_POOL_SIZE: '10' });
    const { municipalityId, apiKey } = await tenantWithKey(platform);
    const ids = await manyDatastreams(platform.ctx.db, municipalityId, LATEST_STREAMS);
    const seconds = quick ? 8 : 30;
    const clients = 3;
    log(
      `HTTP bulk ingestion: ${clients} client processes x 2 requests in flight, 5,000 observations per request, ${seconds} s`,
    );
    const ingestion = await httpIngestion(platform, apiKey, ids, clients, seconds);

    // Reference: plain COPY of as many rows into an equivalent table (same columns, same monthly
    // partitions, same indexes; no foreign keys, no rollups), one stream, same run, same server.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`create table bench_copy (like sensor_observations including defaults including constraints)
      partition by range (phenomenon_time_start)`);
    await client.query(`alter table bench_copy add primary key (id, phenomenon_time_start)`);
    for (const [name, bounds] of (
      await client.query<{
        name: string;
        bounds: string;
      }>(`select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds
        from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'sensor_observations'::regclass`)
    ).rows.map((r) => [r.name, r.bounds] as const))
      await client.query(
        `create table ${name.replace('sensor_observations', 'bench_copy')} partition of bench_copy ${bounds}`,
      );
    await client.query(`create index on bench_copy (datastream_id, phenomenon_time_start desc) where datastream_id is not null;
      create index on bench_copy (multi_datastream_id, phenomenon_time_start desc) where multi_datastream_id is not null;
      create index on bench_copy (feature_of_interest_id)`);
    const feature = await client.query<{ id: number }>(
      'select min(id)::int as id from sensor_features_of_interest',
    );
    const copyRows = Math.max(500_000, Math.min(ingestion.stored, 2_000_000));
    const c0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom('copy bench_copy from stdin'));
      stream.on('finish', resolve).on('error', reject);
      const lines = copyLines(copyRows, ids, municipalityId, feature.rows[0]!.id, 1);
      const pump = () => {
        for (let next = lines.next(); !next.done; next = lines.next())
          if (!stream.write(next.value)) return void stream.once('drain', pump);
        stream.end();
      };
      pump();
    });
    const copyRate = copyRows / ((performance.now() - c0) / 1000);
    await client.end();
    rows.push({
      engine: 'postgres',
      figure: 'HTTP bulk ingestion, durable (obs/s)',
      value: ingestion.rate,
      unit: 'obs/s',
      reference: copyRate,
      referenceLabel: 'plain COPY, equivalent table',
      target: { kind: 'min', value: 30_000, minRatio: 0.5 },
      note: `${ingestion.stored.toLocaleString('en')} stored in ${seconds} s, ${ingestion.errors} errors`,
    });
    reader = forkBenchChild('platform-server.ts');
    const { url: readerUrl } = await askPlatformServer(
      reader,
      { kind: 'start', env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '10' } },
      'started',
    );
    await readFigures('postgres', platform, municipalityId, ids, readerUrl);
  } finally {
    if (reader) await closeChildren([reader]);
    await platform?.close();
    await drop();
  }
}

async function benchPGlite() {
  log('PGlite: starting the platform on a PGlite data directory (as npm start does)');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-bench-'));
  const platform = await startBenchPlatform({ DATA_DIR: dataDir });
  try {
    const { municipalityId, apiKey } = await tenantWithKey(platform);
    const ids = await manyDatastreams(platform.ctx.db, municipalityId, LATEST_STREAMS);
    const seconds = quick ? 8 : 20;
    log(`PGlite HTTP bulk ingestion: 1 client process x 2 requests in flight, ${seconds} s`);
    const ingestion = await httpIngestion(platform, apiKey, ids, 1, seconds);

    // Reference: COPY into the same table layout in a second, empty PGlite instance.
    const pglite = await PGlite.create();
    await migrateToLatest(new Kysely<DB>({ dialect: new PGliteDialect(pglite) }));
    await pglite.exec(`alter table sensor_observations drop constraint if exists sensor_observations_datastream_id_fkey;
      alter table sensor_observations drop constraint if exists sensor_observations_feature_of_interest_id_fkey;
      select sensor_observations_ensure_partition('2026-01-01'); select sensor_observations_ensure_partition('2026-02-01');`);
    const copyRows = Math.max(200_000, Math.min(ingestion.stored, 1_000_000));
    const text = [...copyLines(copyRows, ids, municipalityId, 1, 1)].join('');
    const c0 = performance.now();
    await pglite.query("copy sensor_observations from '/dev/blob'", [], { blob: new Blob([text]) });
    const copyRate = copyRows / ((performance.now() - c0) / 1000);
    await pglite.close();
    rows.push({
      engine: 'pglite',
      figure: 'HTTP bulk ingestion, durable (obs/s)',
      value: ingestion.rate,
      unit: 'obs/s',
      reference: copyRate,
      referenceLabel: 'COPY, equivalent table',
      target: null,
      note: `${ingestion.stored.toLocaleString('en')} stored in ${seconds} s, ${ingestion.errors} errors`,
    });
    await readFigures('pglite', platform, municipalityId, ids);
  } finally {
    await platform.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------------------------------------------------

/**
 * MQTT QoS 1: Mosquitto's own rate (publisher -> subscriber), and Observations stored per second through
 * the platform's SensorThings MQTT extension, with the embedded broker (PUBACK after commit) and with
 * Mosquitto as external broker (the platform in the shared subscription, PUBACK to Mosquitto after commit).
 */
async function benchMqtt(): Promise<Row[]> {
  const messages = quick ? 5_000 : 20_000;
  // As many messages as the broker's own figure: a rate over fewer (it was 1,000) is mostly the fixed
  // start and end of the run, which the reference spreads over its 5,000. BENCH_MQTT_STORED measures
  // another count.
  const stored = Number(process.env.BENCH_MQTT_STORED ?? messages);
  let runs: MqttRuns | null = null;
  try {
    runs = await measurePlatformMqtt(stored, messages);
  } catch (error) {
    log(`platform MQTT not measured: ${(error as Error).stack}`);
  }
  const median = (values: number[]) => (values.length > 0 ? percentile(values, 0.5) : NaN);
  // Each path is compared with the broker-only runs of its own rounds: the machine's speed drifts.
  const references = (pairs: MqttPair[]) => median(pairs.map((p) => p.reference).filter(Number.isFinite));
  const rates = (pairs: MqttPair[]) => median(pairs.map((p) => p.rate));
  const all = runs ? [...runs.embedded, ...runs.external] : [];
  const broker = references(all);
  const referenceOf = (pairs: MqttPair[]) => (Number.isNaN(references(pairs)) ? null : references(pairs));
  const rounds = `median of ${MQTT_ROUNDS} rounds, each beside a broker-only run (the reference: their median)`;
  return [
    {
      engine: 'mosquitto',
      figure: 'MQTT QoS 1 publish -> subscriber, broker only',
      value: broker,
      unit: 'msg/s',
      reference: null,
      referenceLabel: '',
      target: null,
      note: `${messages.toLocaleString('en')} messages, median of ${all.length} runs`,
    },
    {
      engine: 'postgres',
      figure: 'MQTT QoS 1 via Mosquitto into storage (MQTT_URL)',
      value: rates(runs?.external ?? []),
      unit: 'obs/s',
      reference: referenceOf(runs?.external ?? []),
      referenceLabel: 'broker only',
      target: { kind: 'min', value: 0, minRatio: 0.5 },
      note: `${stored.toLocaleString('en')} observations, ${MQTT_IN_CHILDREN ? `${MQTT_INSTANCES} instance(s) in child processes` : '1 instance in the bench process'}, ${MQTT_CONNECTIONS} connections each, ${rounds}`,
    },
    {
      engine: 'postgres',
      figure: 'MQTT QoS 1 to the embedded broker, PUBACK after commit',
      value: rates(runs?.embedded ?? []),
      unit: 'obs/s',
      reference: referenceOf(runs?.embedded ?? []),
      referenceLabel: 'broker only',
      target: null,
      note: `${stored.toLocaleString('en')} observations, 1 client, ${PUBLISH_WINDOW} in flight, ${rounds}`,
    },
  ];
}

/** QoS 1 messages the publisher keeps in flight towards the platform (BENCH_MQTT_WINDOW measures others). */
const PUBLISH_WINDOW = Number(process.env.BENCH_MQTT_WINDOW ?? 500);
/** MQTT_CONNECTIONS' default (BENCH_MQTT_CONNECTIONS measures another value). */
const MQTT_CONNECTIONS = Number(process.env.BENCH_MQTT_CONNECTIONS ?? 64);

/**
 * Rounds of the MQTT figures (--rounds N, default 5): the machine's speed drifts within seconds, so each
 * platform run is paired with a broker-only run right before it, and the figures are medians.
 */
const MQTT_ROUNDS = process.argv.includes('--rounds')
  ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5
  : 5;

/**
 * Platform instances in the shared subscription (--instances N, default 1). One runs in this process;
 * more (or one with --cpu-prof, so that its profile holds nothing of the publisher's work) run as child
 * processes (platform-server.ts), each its own server on its own event loop.
 */
const MQTT_INSTANCES = process.argv.includes('--instances')
  ? Math.max(1, Number(process.argv[process.argv.indexOf('--instances') + 1]) || 1)
  : 1;

/** --cpu-prof DIR: each child instance writes a V8 CPU profile there when it closes. */
const CHILD_CPU_PROFILE_DIR = process.argv.includes('--cpu-prof')
  ? process.argv[process.argv.indexOf('--cpu-prof') + 1]
  : undefined;
const MQTT_IN_CHILDREN = MQTT_INSTANCES > 1 || CHILD_CPU_PROFILE_DIR !== undefined;

/** One round: the platform's rate and the broker-only rate measured just before it (NaN: that run failed). */
interface MqttPair {
  rate: number;
  reference: number;
}

interface MqttRuns {
  external: MqttPair[];
  embedded: MqttPair[];
}

/** Observations stored per second through both MQTT paths, on a scratch PostgreSQL database. */
async function measurePlatformMqtt(messages: number, brokerMessages: number): Promise<MqttRuns> {
  const { url, drop } = await scratchDatabase('srp_bench_mqtt');
  const runs: MqttRuns = { external: [], embedded: [] };
  /** A broker-only run; a failed one (e.g. the broker dropped messages) is logged and left out. */
  const brokerRun = async () => {
    try {
      return await brokerQos1Rate(brokerMessages);
    } catch (error) {
      log(`MQTT broker-only run failed: ${(error as Error).message}`);
      return NaN;
    }
  };
  /** MQTT_ROUNDS runs of one path, each right after a broker-only run. */
  const rounds = async (path: string, pairs: MqttPair[], run: (count: number) => Promise<number>) => {
    // Not counted: a first run while the platform's code is still being compiled (in child instances
    // the first round was a third of the later ones).
    await run(Math.min(messages, 2_000));
    for (let round = 1; round <= MQTT_ROUNDS; round++) {
      const reference = await brokerRun();
      const rate = await run(messages);
      pairs.push({ rate, reference });
      log(
        `MQTT round ${round}, ${path}: ${rate.toFixed(0)} obs/s, broker only ${reference.toFixed(0)} msg/s, ratio ${(rate / reference).toFixed(2)}`,
      );
    }
  };
  // Not counted: the first broker-only run of a process is slow while the MQTT client's code is compiled
  // (the platform runs get their warm-up message).
  await brokerQos1Rate(1_000).catch(() => undefined);
  let platform: RunningPlatform | undefined;
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    platform = await startBenchPlatform({
      DATABASE_URL: url,
      MQTT_ENABLED: 'true',
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(port),
      MQTT_WEBSOCKET: 'false',
    });
    const { municipalityId, apiKey } = await tenantWithKey(platform, false);
    const ids = await manyDatastreams(platform.ctx.db, municipalityId, 10);
    const db = platform.ctx.db;
    await rounds('embedded broker', runs.embedded, (count) =>
      publishStored(
        `mqtt://127.0.0.1:${port}`,
        { username: 'apikey', password: apiKey },
        (i) => `v1.1/Datastreams(${ids[i % ids.length]})/Observations`,
        count,
        db,
        ids,
      ),
    );
    await platform.close();
    const prefix = `srp-bench-${process.pid}`;
    const external = {
      DATABASE_URL: url,
      MQTT_ENABLED: 'true',
      MQTT_URL,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_SHARE_GROUP: `bench${process.pid}`,
      MQTT_CONNECTIONS: String(MQTT_CONNECTIONS),
    };
    if (!MQTT_IN_CHILDREN) platform = await startBenchPlatform(external);
    else {
      // This process keeps a platform without MQTT for the row counts; the instances are children.
      platform = await startBenchPlatform({ DATABASE_URL: url });
      for (let i = 0; i < MQTT_INSTANCES; i++) {
        const child = forkBenchChild('platform-server.ts', CHILD_CPU_PROFILE_DIR);
        children.push(child);
        await askPlatformServer(child, { kind: 'start', env: external }, 'started');
      }
    }
    const counting = platform.ctx.db;
    await rounds('via Mosquitto', runs.external, async (count) => {
      const cpuBefore = await childrenCpuMicros(children);
      const rate = await publishStored(
        MQTT_URL,
        {},
        (i) => `${prefix}/bench-gemeinde/v1.1/Datastreams(${ids[i % ids.length]})/Observations`,
        count,
        counting,
        ids,
      );
      if (children.length > 0)
        log(
          `MQTT platform instances: ${(((await childrenCpuMicros(children)) - cpuBefore) / count).toFixed(0)} µs CPU per message (all ${children.length} together)`,
        );
      return rate;
    });
    return runs;
  } finally {
    await closeChildren(children);
    await platform?.close();
    await drop();
  }
}

/**
 * Publishes `messages` QoS 1 Observations (500 in flight) after one warm-up message; rate = messages / time
 * until all are stored.
 */
async function publishStored(
  url: string,
  auth: { username?: string; password?: string },
  topic: (i: number) => string,
  messages: number,
  db: Database,
  ids: number[],
): Promise<number> {
  /**
   * Observations of the streams from `from` on. The run's messages are timed after every earlier row, so
   * while the run is waited for only its own rows are counted: counting all of them every 10 ms cost
   * PostgreSQL CPU that grew with each round and was taken from the platform being measured.
   */
  const count = async (from = new Date(0)) =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from sensor_observations
          where datastream_id = any(${ids}::bigint[]) and phenomenon_time_start >= ${from}`.execute(db)
      ).rows[0]!.n,
    );
  let before = await count();
  const clientId = `srp-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const publisher = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 500, ...auth });
  let rejected = '';
  publisher.on('message', (_topic, payload) => (rejected ||= payload.toString()));
  await publisher.subscribeAsync(
    auth.username ? `srp/errors/${clientId}` : `${topic(0).split('/v1.1/')[0]}/errors`,
  );
  try {
    // One message first, stored before the clock starts: the first one opens the platform's database
    // connections and fills its lookups (seconds on a loaded machine), which is start-up, not rate.
    await publisher.publishAsync(
      topic(0),
      JSON.stringify({
        phenomenonTime: new Date(Date.UTC(2024, 0, 1) + before * 60_000).toISOString(),
        result: 0,
      }),
      { qos: 1 },
    );
    for (let waited = 0; (await count()) - before < 1; waited++) {
      if (rejected) throw new Error(`the platform rejected a message: ${rejected}`);
      if (waited > 1_200) throw new Error('the warm-up message was not stored within a minute');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    before += 1;
    const t0 = performance.now();
    const cpu0 = cpuMark();
    const start = Date.UTC(2025, 0, 1) + (before % 1_000_000) * 60_000;
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < messages; i++) {
      const body = JSON.stringify({
        phenomenonTime: new Date(start + i * 60_000).toISOString(),
        result: i % 50,
      });
      const p = publisher.publishAsync(topic(i), body, { qos: 1 }).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= PUBLISH_WINDOW) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    let last = -1;
    let idleSince = performance.now();
    for (;;) {
      const stored = await count(new Date(start));
      if (stored >= messages) break;
      if (rejected) throw new Error(`the platform rejected a message: ${rejected}`);
      if (stored !== last) [last, idleSince] = [stored, performance.now()];
      if (performance.now() - idleSince > 60_000) throw new Error(`stuck at ${stored} of ${messages} stored`);
      // Often: the step adds to the measured time (with 50 ms it was a fifth of a quiet 1,000-message run).
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    cpuPerMessage('platform', cpu0, messages);
    return messages / ((performance.now() - t0) / 1000);
  } finally {
    await publisher.endAsync();
  }
}

/** CPU time so far of this process and, when they run on this machine, of Mosquitto and PostgreSQL (µs). */
interface CpuMark {
  own: NodeJS.CpuUsage;
  broker: number | null;
  database: number | null;
}

/** utime + stime of a process from /proc in µs (fields 14 and 15 of stat, clock ticks of 10 ms). */
function processCpuMicros(pid: string): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Mosquitto's CPU time (its pid file as Debian's package writes it); null elsewhere. */
function brokerCpuMicros(): number | null {
  try {
    return processCpuMicros(readFileSync('/run/mosquitto/mosquitto.pid', 'utf8').trim());
  } catch {
    return null;
  }
}

/**
 * The CPU time of every process named postgres on this machine: the server's backends, which live as
 * long as the platform's pooled connections (a backend that ends within a run takes its share along).
 */
function databaseCpuMicros(): number | null {
  let total = 0;
  let found = false;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += processCpuMicros(pid);
      found = true;
    } catch {
      // The process ended meanwhile.
    }
  }
  return found ? total : null;
}

const cpuMark = (): CpuMark => ({
  own: process.cpuUsage(),
  broker: brokerCpuMicros(),
  database: databaseCpuMicros(),
});

/**
 * Logs the CPU time per message of a run, of this process, Mosquitto and PostgreSQL: unlike rates,
 * hardly moved by the machine's load, and it shows where the time goes.
 */
function cpuPerMessage(what: string, since: CpuMark, messages: number): void {
  const used = process.cpuUsage(since.own);
  const per = (now: number | null, before: number | null, name: string) =>
    now !== null && before !== null ? `, ${name} ${((now - before) / messages).toFixed(0)} µs` : '';
  log(
    `MQTT ${what}: ${((used.user + used.system) / messages).toFixed(0)} µs CPU of this process per message` +
      per(brokerCpuMicros(), since.broker, 'Mosquitto') +
      per(databaseCpuMicros(), since.database, 'PostgreSQL'),
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function brokerQos1Rate(messages: number): Promise<number> {
  const topic = `srp-bench/${process.pid}/v1.1/Datastreams(1)/Observations`;
  const subscriber = await mqtt.connectAsync(MQTT_URL, {
    clean: true,
    connectTimeout: 3000,
    reconnectPeriod: 0,
  });
  const publisher = await mqtt.connectAsync(MQTT_URL, {
    clean: true,
    connectTimeout: 3000,
    reconnectPeriod: 0,
  });
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    let received = 0;
    let onReceived: (() => void) | undefined;
    const done = new Promise<void>((resolve) =>
      subscriber.on('message', () => {
        onReceived?.();
        if (++received === messages) resolve();
      }),
    );
    // Mosquitto drops QoS 1 messages for a subscriber whose queue is full (max_queued_messages, 1000 by
    // default), so a lost message must end the measurement with an error instead of waiting forever.
    const stalled = (async () => {
      let last = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        if (received >= messages) return;
        if (received === last)
          throw new Error(`the subscriber got ${received} of ${messages} messages; the broker dropped some`);
        last = received;
      }
    })();
    const t0 = performance.now();
    const cpu0 = cpuMark();
    const payload = (i: number) =>
      JSON.stringify({
        phenomenonTime: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        result: i % 50,
      });
    // The broker acknowledges a publish when it has it, not when the subscriber does: a subscriber that
    // falls behind lets its queue grow past Mosquitto's default of 1,000 messages, and the broker drops
    // the rest. So the publisher keeps at most 200 unacknowledged and 500 undelivered messages.
    const window = 200;
    const backlog = 500;
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < messages; i++) {
      const p = publisher.publishAsync(topic, payload(i), { qos: 1 }).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= window) await Promise.race(inflight);
      while (i + 1 - received > backlog) await new Promise<void>((resolve) => (onReceived = resolve));
    }
    await Promise.all(inflight);
    await Promise.race([done, stalled]);
    cpuPerMessage('broker only', cpu0, messages);
    return messages / ((performance.now() - t0) / 1000);
  } finally {
    await publisher.endAsync();
    await subscriber.endAsync();
  }
}

// --------------------------------------------------------------------------------------------------------

function printTable() {
  const fmt = (n: number | null, unit: string) =>
    n === null || Number.isNaN(n)
      ? '—'
      : unit === 'ms'
        ? `${n.toFixed(2)} ms`
        : `${Math.round(n).toLocaleString('en')} ${unit}`;
  const header = ['engine', 'figure', 'measured', 'reference', 'reference is', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => {
    const ratio =
      r.reference === null || Number.isNaN(r.value)
        ? '—'
        : r.unit === 'ms'
          ? `${(r.reference / r.value).toFixed(1)}x faster`
          : `${(r.value / r.reference).toFixed(2)}`;
    let target = '—';
    let met = Number.isNaN(r.value) ? (r.note ?? 'not measured') : '(no target)';
    if (r.target && !Number.isNaN(r.value)) {
      const t = r.target;
      target =
        t.kind === 'min'
          ? `>= ${t.value.toLocaleString('en')}${t.minRatio ? ` and >= ${t.minRatio} x ref` : ''}`
          : `< ${t.value} ms`;
      const ok =
        t.kind === 'min'
          ? r.value >= t.value &&
            (!t.minRatio || (r.reference !== null && r.value >= t.minRatio * r.reference))
          : r.value < t.value;
      met = ok ? 'yes' : 'NO';
    }
    return [
      r.engine,
      r.figure,
      fmt(r.value, r.unit),
      fmt(r.reference, r.unit),
      r.referenceLabel || '—',
      ratio,
      target,
      met,
    ];
  });
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  const notes = rows.filter((r) => r.note && !Number.isNaN(r.value));
  if (notes.length)
    console.log(`\nNotes:\n${notes.map((r) => `- ${r.engine}, ${r.figure.trim()}: ${r.note}`).join('\n')}`);
}

await main();
process.exit(0);
