// npm run bench:rules [-- --quick]
// Rule latency (not a test): from an observation being stored (its transaction committed) to its alert
// existing in the database, p50/p95/max, idle and while HTTP bulk clients ingest as fast as they can
// (aim: 10,000 observations/s) into Datastreams that rules watch too. The reference is the bare insert
// latency of the same probe observation measured in the same run. PostgreSQL, a scratch database.
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { systemActor } from '../packages/server/src/core/audit/audit.service.js';
import type { RunningPlatform } from '../packages/server/src/server.js';
import { createSensorFixture } from '../packages/server/src/sensors/observations/observation.fixtures.js';
import { percentile, scratchDatabase, startBenchPlatform, tenantWithKey } from './lib.js';

const quick = process.argv.includes('--quick');
const PROBES = quick ? 40 : 150;
const LOAD_STREAMS = 1000;
const log = (message: string) => console.error(`[bench:rules] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  console.log(`Machine: ${os.cpus().length} cores, load average before: ${os.loadavg()[0]!.toFixed(1)}`);
  const scratch = await scratchDatabase('srp_bench_rules');
  const platform = await startBenchPlatform({ DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '20' });
  try {
    await run(platform);
  } finally {
    await platform.close();
    await scratch.drop();
  }
  console.log(`Load average after: ${os.loadavg()[0]!.toFixed(1)} (other processes share the cores)`);
}

async function run(platform: RunningPlatform) {
  const { ctx } = platform;
  const { municipalityId, apiKey } = await tenantWithKey(platform);
  const actor = systemActor('bench');
  const fixture = await createSensorFixture(ctx.db, municipalityId, 1);
  const probe = fixture.datastreamIds[0]!;
  const probeRule = await ctx.rules.createRule(
    municipalityId,
    {
      name: 'Probe',
      enabled: true,
      dampingMinutes: 0,
      condition: { type: 'threshold', datastreamIds: [probe], operator: '>', value: 50 },
    },
    actor,
  );
  // The load's Datastreams are watched as well (never firing), so every bulk batch is evaluated.
  const loadIds = await moreDatastreams(platform, probe, LOAD_STREAMS);
  for (let i = 0; i < loadIds.length; i += 50)
    await ctx.rules.createRule(
      municipalityId,
      {
        name: `Last ${i}`,
        enabled: true,
        condition: { type: 'threshold', datastreamIds: loadIds.slice(i, i + 50), operator: '>', value: 1e9 },
      },
      actor,
    );

  let clock = Date.now() - 3_600_000;
  const measure = async (label: string) => {
    const insert: number[] = [];
    const latency: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      for (const [value, wanted] of [
        [100, 'open'],
        [0, 'resolved'],
      ] as const) {
        clock += 1000;
        const t0 = performance.now();
        await ctx.observations.create(municipalityId, [
          { datastreamId: probe, phenomenonTime: { start: new Date(clock), end: null }, result: value },
        ]);
        const stored = performance.now();
        // Polled: the evaluation runs after the commit, off the caller's path.
        for (;;) {
          const open = await ctx.db
            .selectFrom('alerts')
            .select('id')
            .where('rule_id', '=', probeRule.id)
            .where('status', '=', 'open')
            .executeTakeFirst();
          if ((wanted === 'open') === (open !== undefined)) break;
          await sleep(2);
        }
        if (wanted === 'open') {
          insert.push(stored - t0);
          latency.push(performance.now() - stored);
        }
      }
    }
    const f = (s: number[], p: number) => percentile(s, p).toFixed(1).padStart(8);
    console.log(
      `${label.padEnd(34)} stored→alert p50 ${f(latency, 0.5)} ms  p95 ${f(latency, 0.95)} ms  max ${f(latency, 1)} ms` +
        `   | reference: bare insert p50 ${f(insert, 0.5)} ms  p95 ${f(insert, 0.95)} ms   (n=${latency.length}, target p95 < 1000 ms: ${percentile(latency, 0.95) < 1000 ? 'met' : 'NOT met'})`,
    );
  };

  await measure('idle');
  log('starting bulk load');
  const loadSeconds = quick ? 20 : 60;
  const load = bulkLoad(platform.url, apiKey, loadIds, 4, loadSeconds);
  await sleep(3000);
  await measure('while ingesting (HTTP bulk)');
  const { rate, errors } = await load;
  console.log(
    `ingestion during the run: ${Math.round(rate).toLocaleString('en')} observations/s (4 HTTP bulk clients, ${errors} errors; aim 10,000/s)`,
  );
  await ctx.rules.engine.idle();
}

/** `count` Datastreams on the probe's Thing, in one statement. */
async function moreDatastreams(platform: RunningPlatform, templateId: number, count: number) {
  const created = await sql<{ id: number }>`
    insert into sensor_datastreams (municipality_id, thing_id, sensor_id, observed_property_id, name, observation_type, unit_of_measurement)
    select municipality_id, thing_id, sensor_id, observed_property_id, 'Last ' || g, observation_type, unit_of_measurement
    from sensor_datastreams, generate_series(1, ${count}) g where id = ${templateId} returning id`.execute(
    platform.ctx.db,
  );
  return created.rows.map((r) => r.id);
}

/** HTTP bulk load from child processes (bench/bulk-client.ts), so load generation has its own event loop. */
async function bulkLoad(url: string, apiKey: string, ids: number[], clients: number, seconds: number) {
  const perClient = Math.ceil(ids.length / clients);
  const results = await Promise.all(
    Array.from({ length: clients }, (_, c) => {
      const child = fork(path.join(import.meta.dirname, 'bulk-client.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return new Promise<{ stored: number; errors: number; elapsedMs: number; lastError: string }>(
        (resolve, reject) => {
          child.once('message', resolve as (m: unknown) => void);
          child.once('error', reject);
          child.send({
            url,
            apiKey,
            datastreamIds: ids.slice(c * perClient, (c + 1) * perClient),
            streamsPerRequest: 10,
            valuesPerStream: 100,
            concurrency: 2,
            durationMs: seconds * 1000,
            startMs: Date.UTC(2026, 0, 1),
          });
        },
      );
    }),
  );
  const errors = results.reduce((s, r) => s + r.errors, 0);
  if (errors > 0) log(`ingestion errors: ${errors}, e.g. ${results.find((r) => r.lastError)?.lastError}`);
  const elapsed = Math.max(...results.map((r) => r.elapsedMs)) / 1000;
  return { rate: results.reduce((s, r) => s + r.stored, 0) / elapsed, errors };
}

await main();
