// npm run bench:egov [-- --citizens 50 --instances 1 --rounds 3 --no-jobs
//                        --cpu-prof DIR --cpu-prof-submissions DIR]
// Online services benchmark (not a test): starts N real platform instances (child processes, egov-server.ts)
// against one fresh PostgreSQL database; this process is the load generator. 50 citizens at once each
// start a Personenstandsurkunde application, upload an attachment, submit (server-side validation, fee,
// BPMN start, encrypted storage, PDF receipt) and download the receipt, each citizen on one instance in
// turn, as a load balancer would spread them. The instances run their job workers (--no-jobs: not), so the
// BPMN start, which runs in a job after submit, is done and counted in the servers' CPU: each round ends
// when no process start is pending any more (printed: how long after the last citizen that took). Then the
// submission alone: 50 drafts with their attachment ready, all submitted at the same moment, each timed
// from submit to the receipt PDF. Prints p50/p95 of the flow, of each step and of the submission beside two
// references measured in the same run at the same concurrency: a bare HTTP round trip (GET /healthz) and
// a bare single-row insert into PostgreSQL; and the servers' CPU time per flow and per submission alone.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import type { ServerStarted, StartServer } from './egov-server.js';
import { certificateApplication } from '../packages/server/src/test-support/egov-applications.js';
import {
  childAsker,
  childrenCpuMicros,
  closeChildren,
  forkBenchChild,
  percentile,
  phaseProfile,
  POSTGRES_VIA,
  scratchDatabase,
} from './lib.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) || fallback : fallback;
};
const CITIZENS = option('citizens', 50);
const INSTANCES = option('instances', 1);
const ROUNDS = option('rounds', 3);
// --cpu-prof DIR: each server instance writes a V8 CPU profile there when it closes.
const CPU_PROFILE_DIR = argv.includes('--cpu-prof') ? argv[argv.indexOf('--cpu-prof') + 1] : undefined;
// --cpu-prof-submissions DIR: each instance's profile of the submissions alone (their bursts only).
const SUBMISSIONS_PROFILE_DIR = argv.includes('--cpu-prof-submissions')
  ? argv[argv.indexOf('--cpu-prof-submissions') + 1]
  : undefined;
const JOBS = !argv.includes('--no-jobs');
const log = (message: string) => console.error(`[bench] ${message}`);

const attachment = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200 * 1024, 0x41)]);
const STEPS = ['draft', 'upload', 'submit', 'receipt'] as const;
type Step = (typeof STEPS)[number];
type FlowTimes = Record<Step | 'flow', number>;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

async function concurrently<T>(n: number, job: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => job(i)));
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const ask = childAsker<StartServer, ServerStarted>('bench server');

async function main() {
  const { url: databaseUrl, drop } = await scratchDatabase('srp_bench_egov');
  const dataDir = `${os.tmpdir()}/srp-bench-egov-${process.pid}`;
  const children: ChildProcess[] = [];
  const raw = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  try {
    // One at a time: the first migrates the database and seeds the municipality and its services.
    const servers: string[] = [];
    let tenant = { municipalityId: '', serviceId: '' };
    for (let i = 0; i < INSTANCES; i++) {
      const child = forkBenchChild('egov-server.ts', CPU_PROFILE_DIR);
      children.push(child);
      // The PostgreSQL server is shared (100 connections): the instances together keep to 50.
      const poolSize = Math.max(10, Math.floor(50 / INSTANCES));
      const started = await ask(
        child,
        { kind: 'start', databaseUrl, dataDir, poolSize, seed: i === 0, jobs: JOBS },
        'started',
      );
      servers.push(started.url);
      if (i === 0) tenant = { municipalityId: started.municipalityId!, serviceId: started.serviceId! };
    }
    await raw.query('create table bench_ref (id serial primary key, body text not null)');
    const serverCpuMicros = () => childrenCpuMicros(children);

    // A citizen's flow in two halves, so that the submission can also be timed on its own: 50 drafts
    // with their attachment ready, then all 50 submit at once.
    const prepare = async (i: number) => {
      const base = servers[i % servers.length]!;
      const [created, draft] = await timed(async () =>
        json<{ case: { id: string }; resumeToken: string }>(
          await fetch(`${base}/api/egov/municipalities/${tenant.municipalityId}/cases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ serviceId: tenant.serviceId }),
          }),
        ),
      );
      const headers = { 'x-resume-token': created.resumeToken };
      const [file, upload] = await timed(async () =>
        json<{ id: string }>(
          await fetch(
            `${base}/api/egov/cases/${created.case.id}/attachments?field=urkunde.ausweis&name=ausweis.pdf`,
            { method: 'POST', headers: { ...headers, 'content-type': 'application/pdf' }, body: attachment },
          ),
        ),
      );
      return { base, caseId: created.case.id, headers, fileId: file.id, draft, upload };
    };
    type Draft = Awaited<ReturnType<typeof prepare>>;
    const submitAndFetchReceipt = async ({ base, caseId, headers, fileId }: Draft) => {
      const [submitted, submit] = await timed(async () =>
        json<{ reference: string; receiptUrl: string }>(
          await fetch(`${base}/api/egov/cases/${caseId}/submit`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ data: certificateApplication(fileId) }),
          }),
        ),
      );
      if (!/^\d{4}-/.test(submitted.reference)) throw new Error('no reference number');
      const [bytes, receipt] = await timed(async () => {
        const res = await fetch(`${base}${submitted.receiptUrl}`, { headers });
        if (!res.ok) throw new Error(`receipt: ${res.status}`);
        return Buffer.from(await res.arrayBuffer());
      });
      if (!bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new Error('no PDF receipt');
      return { submit, receipt };
    };
    const citizen = async (i: number): Promise<FlowTimes> => {
      const flowStart = performance.now();
      const draft = await prepare(i);
      const { submit, receipt } = await submitAndFetchReceipt(draft);
      return {
        draft: draft.draft,
        upload: draft.upload,
        submit,
        receipt,
        flow: performance.now() - flowStart,
      };
    };
    const roundTrip = async (i: number) =>
      (await timed(async () => (await fetch(`${servers[i % servers.length]}/healthz`)).arrayBuffer()))[1];
    const insert = async () =>
      (await timed(() => raw.query('insert into bench_ref (body) values ($1)', ['x'.repeat(200)])))[1];

    const flows: FlowTimes[] = [];
    // A failed flow (e.g. 503 when the database pool is exhausted) is counted and reported, not timed.
    const failures: string[] = [];
    const counted = async (i: number) => {
      try {
        flows.push(await citizen(i));
      } catch (error) {
        failures.push(String(error));
      }
    };
    /** Waits until every submitted case's process has started (no `egov.case.start` job left). */
    const startsDone = async () => {
      if (!JOBS) return;
      for (;;) {
        const { rows } = await raw.query<{ n: string }>(
          "select count(*) as n from jobs where name = 'egov.case.start' and status in ('pending', 'running')",
        );
        if (Number(rows[0]!.n) === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const trips: number[] = [];
    const inserts: number[] = [];
    const drains: number[] = [];
    let serverCpuMs = 0;
    let generatorCpuMs = 0;
    await concurrently(5 * INSTANCES, counted); // warm-up: JIT, connection pools, key caches
    await startsDone();
    flows.length = 0;
    failures.length = 0;
    for (let round = 0; round < ROUNDS; round++) {
      trips.push(...(await concurrently(CITIZENS, roundTrip)));
      inserts.push(...(await concurrently(CITIZENS, insert)));
      const wall = performance.now();
      const serverBefore = await serverCpuMicros();
      const generatorBefore = process.cpuUsage();
      await concurrently(CITIZENS, counted);
      const drainStart = performance.now();
      await startsDone();
      drains.push(performance.now() - drainStart);
      const generatorUsed = process.cpuUsage(generatorBefore);
      generatorCpuMs += (generatorUsed.user + generatorUsed.system) / 1000;
      serverCpuMs += ((await serverCpuMicros()) - serverBefore) / 1000;
      log(`round ${round + 1}: ${CITIZENS} citizens in ${(performance.now() - wall).toFixed(0)} ms`);
    }
    // The submission on its own: the drafts and uploads first (not timed, not in the CPU figures), then
    // every citizen submits at the same moment and fetches the receipt.
    const submissions: number[] = [];
    let submissionCpuMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const drafts = await concurrently(CITIZENS, prepare);
      await startsDone();
      const serverBefore = await serverCpuMicros();
      if (SUBMISSIONS_PROFILE_DIR) await phaseProfile.start(children);
      await concurrently(CITIZENS, async (i) => {
        try {
          const { submit, receipt } = await submitAndFetchReceipt(drafts[i]!);
          submissions.push(submit + receipt);
        } catch (error) {
          failures.push(String(error));
        }
      });
      if (SUBMISSIONS_PROFILE_DIR)
        await phaseProfile.stop(children, `${SUBMISSIONS_PROFILE_DIR}/submissions-round${round + 1}`);
      submissionCpuMs += ((await serverCpuMicros()) - serverBefore) / 1000;
      await startsDone();
    }
    const fmt = (samples: number[]) =>
      `p50 ${percentile(samples, 0.5).toFixed(1).padStart(7)} ms, p95 ${percentile(samples, 0.95)
        .toFixed(1)
        .padStart(7)} ms`;
    const stepOf = (step: Step | 'flow') => flows.map((f) => f[step]);
    console.log(
      `bench:egov  PostgreSQL (${POSTGRES_VIA}), ${CITIZENS} concurrent citizens x ${ROUNDS} rounds, ${INSTANCES} instance(s), jobs ${JOBS ? 'on' : 'off'}, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}, ${os.cpus().length} cores`,
    );
    console.log(
      `  citizen flow (draft + 200 KiB attachment + submit + receipt PDF): ${fmt(stepOf('flow'))}   target p95 < 300 ms`,
    );
    console.log(
      `  submission alone (${CITIZENS} submit at once, drafts ready): submit + receipt PDF ${fmt(submissions)}   target p95 < 300 ms`,
    );
    if (failures.length > 0)
      console.log(`  FAILED flows: ${failures.length} of ${2 * ROUNDS * CITIZENS}, first: ${failures[0]}`);
    for (const step of STEPS) console.log(`    step ${step.padEnd(8)}${' '.repeat(51)}${fmt(stepOf(step))}`);
    if (JOBS) {
      const { rows } = await raw.query<{ n: string; retried: string; dead: string }>(
        "select count(*) as n, count(*) filter (where attempts > 1) as retried, count(*) filter (where status = 'dead') as dead from jobs where name = 'egov.case.start'",
      );
      console.log(
        `  process starts still running after the round's last citizen: ${drains.map((d) => `${d.toFixed(0)} ms`).join(', ')} (${rows[0]!.n} starts, ${rows[0]!.retried} retried, ${rows[0]!.dead} dead)`,
      );
    }
    // CPU time is the figure load barely changes: the servers' per flow (process start included), and
    // the load generator's apart.
    console.log(
      `  CPU time of the server process(es) per citizen flow:              ${(serverCpuMs / (ROUNDS * CITIZENS)).toFixed(1)} ms`,
    );
    console.log(
      `  CPU time of the server process(es) per submission alone (submit + receipt PDF):  ${(submissionCpuMs / (ROUNDS * CITIZENS)).toFixed(1)} ms`,
    );
    console.log(
      `  CPU time of the load generator per citizen flow (not the server): ${(generatorCpuMs / (ROUNDS * CITIZENS)).toFixed(1)} ms`,
    );
    console.log(`  reference: bare HTTP round trip (GET /healthz):                   ${fmt(trips)}`);
    console.log(`  reference: bare single-row insert (pg, same concurrency):          ${fmt(inserts)}`);
  } finally {
    await raw.end();
    await closeChildren(children);
    await drop();
  }
}

await main();
