// npm run bench:latest [-- --streams 200] [--seconds 10] [--connections 50]
// The public latest-values endpoint the dashboard polls: GET /api/sensors/latest?municipality=<id>,
// anonymous, all Datastreams published. The platform runs in this process against a fresh PostgreSQL
// database; the load comes from autocannon in a separate process. Reference, same run, same load: a
// minimal Node `http` server in this process answering the same bytes with the same headers.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { sql } from 'kysely';
import { createSensorFixture } from '../packages/server/src/sensors/observations/observation.fixtures.js';
import { benchMunicipality, scratchDatabase, startBenchPlatform } from './lib.js';

const { values: options } = parseArgs({
  options: {
    streams: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
});
const STREAMS = Number(options.streams);
const SECONDS = Number(options.seconds);
const CONNECTIONS = Number(options.connections);
const TARGET = 5_000;
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface Run {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon in its own process, so that load generation does not share the server's event loop. */
async function load(url: string, headers: Record<string, string> = {}): Promise<Run> {
  const args = [autocannonBin, '-c', String(CONNECTIONS), '-d', String(SECONDS), '-j'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as Run;
}

async function main() {
  const loadAvg = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  console.log(`Machine: ${os.cpus().length} cores, load average before: ${loadAvg()} (1/5/15 min)`);
  const { url: databaseUrl, drop } = await scratchDatabase('srp_bench_latest');
  const platform = await startBenchPlatform({ DATABASE_URL: databaseUrl });
  const reference = http.createServer();
  try {
    const db = platform.ctx.db;
    const municipalityId = await benchMunicipality(db);
    const { datastreamIds } = await createSensorFixture(db, municipalityId, STREAMS);
    await sql`insert into publications (municipality_id, resource_type, resource_id)
      select ${municipalityId}::uuid, 'datastream', id::text from unnest(${datastreamIds}::bigint[]) id`.execute(
      db,
    );
    const now = Date.now();
    await platform.ctx.observations.create(
      municipalityId,
      datastreamIds.map((id, i) => ({
        datastreamId: id,
        phenomenonTime: { start: new Date(now - (i % 900) * 1000), end: null },
        result: Math.round(Math.sin(i) * 2000) / 100,
      })),
    );

    const url = `${platform.url}/api/sensors/latest?municipality=${municipalityId}`;
    const probe = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const body = Buffer.from(await probe.arrayBuffer());
    const headers = Object.fromEntries(
      ['content-type', 'etag', 'cache-control', 'last-modified', 'vary'].map((h) => [
        h,
        probe.headers.get(h)!,
      ]),
    );
    const conditional = await fetch(url, { headers: { 'if-none-match': headers.etag! } });
    console.log(
      `GET ${url}\n  ${STREAMS} published Datastreams, ${body.length.toLocaleString('en')} bytes, ` +
        `ETag ${headers.etag}, Cache-Control "${headers['cache-control']}", If-None-Match -> ${conditional.status}`,
    );
    if (probe.status !== 200 || !headers.etag || !headers['cache-control']?.startsWith('public'))
      throw new Error('unexpected answer');

    reference.on('request', (_req, res) => {
      res.writeHead(200, { ...headers, 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    const referenceUrl = `http://127.0.0.1:${(reference.address() as { port: number }).port}/`;

    console.log(`autocannon: ${CONNECTIONS} connections, ${SECONDS} s each, from a separate process`);
    const platformRun = await load(url);
    const referenceRun = await load(referenceUrl);
    const gzipRun = await load(url, { 'accept-encoding': 'gzip' });
    const notModifiedRun = await load(url, { 'if-none-match': headers.etag });

    const row = (figure: string, r: Run, ref: Run | null, target: boolean) => {
      const ratio = ref ? (r.requests.average / ref.requests.average).toFixed(2) : '—';
      const met = target ? (r.requests.average >= TARGET ? 'yes' : 'NO') : '(no target)';
      const bad = r.non2xx + r.errors + r.timeouts;
      return `| ${figure} | ${Math.round(r.requests.average).toLocaleString('en')} req/s | ${r.latency.p50} / ${r.latency.p99} ms | ${ref ? `${Math.round(ref.requests.average).toLocaleString('en')} req/s` : '—'} | ${ratio} | ${target ? `>= ${TARGET.toLocaleString('en')} req/s` : '—'} | ${met} | ${bad} |`;
    };
    console.log(
      '\n| figure | measured | latency p50 / p99 | reference (minimal node:http, same bytes) | ratio | target | met | non-2xx/errors |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(row('platform, GET latest (identity)', platformRun, referenceRun, true));
    console.log(row('platform, GET latest, Accept-Encoding: gzip', gzipRun, referenceRun, false));
    // 304 answers are not 2xx for autocannon: report them as they are.
    console.log(
      `| platform, GET latest with If-None-Match (304) | ${Math.round(notModifiedRun.requests.average).toLocaleString('en')} req/s | ${notModifiedRun.latency.p50} / ${notModifiedRun.latency.p99} ms | — | — | — | (no target) | ${notModifiedRun.errors + notModifiedRun.timeouts} errors |`,
    );
    console.log(row('reference: minimal node:http server', referenceRun, null, false));
    console.log(`\nLoad average after: ${loadAvg()} (other processes on this machine share the cores)`);
  } finally {
    reference.close();
    await platform.close();
    await drop();
  }
}

await main();
process.exit(0);
