// npm run bench:egov [-- --citizens 50]
// Online services benchmark (not a test): starts the real platform against a fresh PostgreSQL database,
// then 50 citizens at once each start a Personenstandsurkunde application, upload an attachment, submit
// (server-side validation, BPMN start, encrypted storage, PDF receipt) and download the receipt. Prints
// p50/p95 beside two references measured in the same run at the same concurrency: a bare HTTP round
// trip (GET /healthz) and a bare single-row insert into PostgreSQL.
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { parseConfig } from '../packages/server/src/config.js';
import { systemActor } from '../packages/server/src/core/audit/audit.service.js';
import { startPlatform } from '../packages/server/src/server.js';
import { percentile, scratchDatabase } from './lib.js';

const argv = process.argv.slice(2);
const CITIZENS = Number(argv[argv.indexOf('--citizens') + 1]) || 50;
const ROUNDS = 3;
const log = (message: string) => console.error(`[bench] ${message}`);

const applicant = {
  vorname: 'Erika',
  familienname: 'Mustermann',
  geburtsdatum: '1980-05-17',
  email: 'erika@example.org',
  strasse: 'Marktplatz 3',
  plz: '36103',
  ort: 'Flieden',
};
const attachment = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200 * 1024, 0x41)]);

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function concurrently(n: number, job: (i: number) => Promise<number>): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => job(i)));
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main() {
  const { url, drop } = await scratchDatabase('srp_bench_egov');
  const platform = await startPlatform(
    parseConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: `${os.tmpdir()}/srp-bench-egov-${process.pid}`,
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '60',
      LOG_LEVEL: 'silent',
      DEMO_SEED: 'false',
      JOBS_ENABLED: 'false',
      METRICS_ENABLED: 'false',
    }),
    { log: pino({ level: 'silent' }), logger: false, webDist: null },
  );
  const raw = new pg.Pool({ connectionString: url, max: 20 });
  try {
    const db = platform.ctx.db;
    const region = await db
      .insertInto('regions')
      .values({ slug: 'bench', name: 'Bench' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const municipality = await db
      .insertInto('municipalities')
      .values({ region_id: region.id, slug: 'bench-gemeinde', name: 'Benchhausen' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await platform.ctx.egov.catalogue.ensureShippedServices(region.id, systemActor('bench'));
    const service = (await platform.ctx.egov.catalogue.listOffered(municipality.id)).find(
      (s) => s.slug === 'personenstandsurkunde',
    )!;
    await raw.query('create table bench_ref (id serial primary key, body text not null)');

    const citizen = async (): Promise<number> =>
      timed(async () => {
        const created = await json<{ case: { id: string }; resumeToken: string }>(
          await fetch(`${platform.url}/api/egov/municipalities/${municipality.id}/cases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ serviceId: service.serviceId }),
          }),
        );
        const headers = { 'x-resume-token': created.resumeToken };
        const file = await json<{ id: string }>(
          await fetch(
            `${platform.url}/api/egov/cases/${created.case.id}/attachments?field=urkunde.ausweis&name=ausweis.pdf`,
            {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/pdf' },
              body: attachment,
            },
          ),
        );
        const submitted = await json<{ reference: string; receiptUrl: string }>(
          await fetch(`${platform.url}/api/egov/cases/${created.case.id}/submit`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({
              data: {
                urkunde: {
                  art: 'geburt',
                  name_im_register: 'Erika Mustermann',
                  ereignisdatum: '1980-05-17',
                  ereignisort: 'Fulda',
                  anzahl: 2,
                  zweck: 'rente',
                  ausweis: file.id,
                },
                antragsteller: applicant,
                richtig: true,
              },
            }),
          }),
        );
        if (!/^\d{4}-/.test(submitted.reference)) throw new Error('no reference number');
        const receipt = await fetch(`${platform.url}${submitted.receiptUrl}`, { headers });
        const bytes = Buffer.from(await receipt.arrayBuffer());
        if (!bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new Error('no PDF receipt');
      });
    const roundTrip = () => timed(async () => (await fetch(`${platform.url}/healthz`)).arrayBuffer());
    const insert = () =>
      timed(() => raw.query('insert into bench_ref (body) values ($1)', ['x'.repeat(200)]));

    await concurrently(5, citizen); // warm-up: JIT, connection pool, key cache
    const flows: number[] = [];
    const trips: number[] = [];
    const inserts: number[] = [];
    let flowCpuMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      trips.push(...(await concurrently(CITIZENS, roundTrip)));
      inserts.push(...(await concurrently(CITIZENS, insert)));
      const wall = performance.now();
      const cpu = process.cpuUsage();
      flows.push(...(await concurrently(CITIZENS, citizen)));
      const used = process.cpuUsage(cpu);
      flowCpuMs += (used.user + used.system) / 1000;
      log(`round ${round + 1}: ${CITIZENS} citizens in ${(performance.now() - wall).toFixed(0)} ms`);
    }
    const fmt = (samples: number[]) =>
      `p50 ${percentile(samples, 0.5).toFixed(1)} ms, p95 ${percentile(samples, 0.95).toFixed(1)} ms`;
    console.log(
      `bench:egov  PostgreSQL, ${CITIZENS} concurrent citizens x ${ROUNDS} rounds, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}, ${os.cpus().length} cores`,
    );
    console.log(
      `  citizen flow (draft + 200 KiB attachment + submit + receipt PDF): ${fmt(flows)}   target p95 < 300 ms`,
    );
    // CPU of this process per flow (server and bench client together): the figure load barely changes.
    console.log(
      `  CPU time of the Node process per citizen flow (server + client):  ${(flowCpuMs / flows.length).toFixed(1)} ms`,
    );
    console.log(`  reference: bare HTTP round trip (GET /healthz):                   ${fmt(trips)}`);
    console.log(`  reference: bare single-row insert (pg, same concurrency):          ${fmt(inserts)}`);
  } finally {
    await raw.end();
    await platform.close();
    await drop();
  }
}

await main();
