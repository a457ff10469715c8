// Helpers shared by the benchmark scripts.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import inspector from 'node:inspector/promises';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { parseConfig } from '../packages/server/src/config.js';
import type { Database } from '../packages/server/src/core/db/database.js';
import { startPlatform, type RunningPlatform } from '../packages/server/src/server.js';

// The local PostgreSQL through its Unix socket where it has one, as a platform on the same host is best
// configured (README, Production): over TCP every statement also pays the loopback stack (about a sixth
// of the online services' CPU per flow in a profile). BENCH_POSTGRES_URL chooses another server.
const LOCAL_SOCKET_DIR = '/var/run/postgresql';
const localSocket = existsSync(`${LOCAL_SOCKET_DIR}/.s.PGSQL.5432`);
export const ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ??
  (localSocket
    ? `postgres://postgres@localhost/postgres?host=${LOCAL_SOCKET_DIR}`
    : 'postgres://postgres@127.0.0.1:5432/postgres');
/** How the benchmarks reach PostgreSQL, for their headers. */
export const POSTGRES_VIA = process.env.BENCH_POSTGRES_URL
  ? 'BENCH_POSTGRES_URL'
  : localSocket
    ? `Unix socket ${LOCAL_SOCKET_DIR}`
    : 'TCP 127.0.0.1:5432';

/** Creates a fresh database for one benchmark run; `drop` removes it again. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  // The platform's own connections switch JIT off (core/db/database.ts); the references of the same run
  // (COPY, raw queries) connect here too and must work under the same settings.
  await admin.query(`alter database ${name} set jit = off`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

export const ADMIN = { email: 'bench@bench.example', password: 'Messlauf-Kennwort-2026!' };

/** The real platform in this process, as in production but quiet: no jobs, no demo, no request log. */
export async function startBenchPlatform(env: Record<string, string>): Promise<RunningPlatform> {
  const config = parseConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    DEMO_SEED: 'false',
    JOBS_ENABLED: 'false',
    METRICS_ENABLED: 'false',
    MQTT_ENABLED: 'false',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  return startPlatform(config, { log: pino({ level: 'silent' }), logger: false, webDist: null });
}

/** A region with one municipality; returns the municipality's id. */
export async function benchMunicipality(db: Database): Promise<string> {
  const region = await db
    .insertInto('regions')
    .values({ slug: 'bench', name: 'Bench' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const municipality = await db
    .insertInto('municipalities')
    .values({ region_id: region.id, slug: 'bench-gemeinde', name: 'Benchhausen' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return municipality.id;
}

/** A municipality with an API key (scope sensors:write) made the way an operator makes one: over HTTP. */
export async function tenantWithKey(platform: RunningPlatform, limitToMunicipality = true) {
  const municipality = { id: await benchMunicipality(platform.ctx.db) };
  const login = await fetch(`${platform.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const created = await fetch(`${platform.url}/api/me/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({
      kind: 'api_key',
      label: 'bench',
      scopes: ['sensors:write'],
      // The admin's key limited to a municipality has no sensor role there; SensorThings writes need one.
      municipalityId: limitToMunicipality ? municipality.id : null,
    }),
  });
  const { secret } = (await created.json()) as { secret: string };
  return { municipalityId: municipality.id, apiKey: secret };
}

/**
 * A typed request/answer over a child process's IPC channel: `ask(child, request, kind)` sends the request
 * and resolves with the child's next message of that kind (rejects if the child exits first).
 */
export function childAsker<Request, Reply extends { kind: string }>(what: string) {
  return <K extends Reply['kind']>(
    child: ChildProcess,
    request: Request,
    kind: K,
  ): Promise<Extract<Reply, { kind: K }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (message.kind !== kind) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<Reply, { kind: K }>);
      };
      const onExit = (code: number | null) => reject(new Error(`${what} exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(request as object);
    });
}

/** What every platform child of a bench answers besides its own start (see serveBenchChild). */
export type ChildControl =
  { kind: 'cpu' } | { kind: 'close' } | { kind: 'profile-start' } | { kind: 'profile-stop'; file: string };
export type ChildControlReply =
  | { kind: 'cpu'; micros: number }
  | { kind: 'closed' }
  | { kind: 'profile-started' }
  | { kind: 'profile-stopped' };

const askControl = childAsker<ChildControl, ChildControlReply>('bench child');

/** Starts bench/<script> as a child process with an IPC channel; `cpuProfileDir`: it writes a V8 profile there. */
export function forkBenchChild(script: string, cpuProfileDir?: string): ChildProcess {
  return fork(path.join(import.meta.dirname, script), [], {
    execArgv: [
      '--conditions=source',
      '--import',
      'tsx',
      ...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The CPU time of the children so far, together (µs). */
export async function childrenCpuMicros(children: ChildProcess[]): Promise<number> {
  const answers = await Promise.all(children.map((c) => askControl(c, { kind: 'cpu' }, 'cpu')));
  return answers.reduce((sum, r) => sum + r.micros, 0);
}

/**
 * Profiles the children during one phase of a bench only (not their start-up): `start` begins a V8 CPU
 * profile in each, `stop` writes child i's to `${prefix}-${i}.cpuprofile`.
 */
export const phaseProfile = {
  start: (children: ChildProcess[]) =>
    Promise.all(children.map((c) => askControl(c, { kind: 'profile-start' }, 'profile-started'))),
  stop: (children: ChildProcess[], prefix: string) =>
    Promise.all(
      children.map((c, i) =>
        askControl(c, { kind: 'profile-stop', file: `${prefix}-${i}.cpuprofile` }, 'profile-stopped'),
      ),
    ),
};

/** Asks each child to close (one that is gone already is skipped). */
export async function closeChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => askControl(c, { kind: 'close' }, 'closed').catch(() => undefined)));
}

/**
 * The child side: `cpu` is answered with this process's CPU time, `close` closes what `start` returned and
 * ends the channel; any other request goes to `start`, whose reply is sent back. An error ends the process.
 */
export function serveBenchChild<Start extends { kind: string }>(
  what: string,
  start: (request: Start) => Promise<{ reply: { kind: string }; close: () => Promise<void> }>,
): void {
  let close: (() => Promise<void>) | null = null;
  let profiler: inspector.Session | null = null;
  const send = (message: object) => process.send!(message);
  process.on('message', (request: Start | ChildControl) => {
    void (async () => {
      if (request.kind === 'cpu') {
        const used = process.cpuUsage();
        send({ kind: 'cpu', micros: used.user + used.system });
      } else if (request.kind === 'profile-start') {
        profiler = new inspector.Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 200 }); // µs: enough samples per burst
        await profiler.post('Profiler.start');
        send({ kind: 'profile-started' });
      } else if (request.kind === 'profile-stop') {
        // A start's own kind could be anything, so the narrowing by kind needs saying.
        const { file } = request as Extract<ChildControl, { kind: 'profile-stop' }>;
        const { profile } = await profiler!.post('Profiler.stop');
        profiler!.disconnect();
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, JSON.stringify(profile));
        send({ kind: 'profile-stopped' });
      } else if (request.kind === 'close') {
        await close?.();
        send({ kind: 'closed' });
        process.disconnect();
      } else {
        const started = await start(request as Start);
        close = started.close;
        send(started.reply);
      }
    })().catch((error: unknown) => {
      console.error(`[${what}]`, error);
      process.exit(1);
    });
  });
}
