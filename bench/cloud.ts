// npm run bench:cloud [-- --files 2000 --mb 256 --rounds 20] [--postgres | --pglite]
// The club cloud WebDAV benchmark (not a test): starts the real platform in this process (local file
// storage; PGlite and a scratch PostgreSQL database, one after the other, or only the one named) and an
// unprivileged throwaway Apache httpd with mod_dav_fs on free ports, puts the same files into both, and
// prints each figure beside Apache's from the same run.
import { fork, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ClientAnswer, ClientRequest } from './cloud-client.js';
import { createTestClub } from '../packages/server/src/test-support/cloud.js';
import { basic } from '../packages/server/src/test-support/http.js';
import { startTestServer } from '../packages/server/src/test-support/server.js';
import { percentile, scratchDatabase } from './lib.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const FILES = option('files', 2000);
const MEGABYTES = option('mb', 256);
const ROUNDS = option('rounds', 20);
const LARGE_ROUNDS = option('large-rounds', 5);
const ENGINES = argv.includes('--postgres')
  ? ['postgres']
  : argv.includes('--pglite')
    ? ['pglite']
    : ['pglite', 'postgres'];
const APACHE = process.env.BENCH_APACHE ?? '/usr/sbin/apache2';
const MODULES = process.env.BENCH_APACHE_MODULES ?? '/usr/lib/apache2/modules';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startApache(dir: string) {
  const port = await freePort();
  const root = path.join(dir, 'dav');
  await fs.mkdir(root, { recursive: true });
  await fs.mkdir(path.join(dir, 'lock'));
  await fs.chmod(root, 0o777);
  await fs.chmod(path.join(dir, 'lock'), 0o777);
  const conf = path.join(dir, 'httpd.conf');
  await fs.writeFile(
    conf,
    [
      `ServerRoot "${dir}"`,
      `ServerName 127.0.0.1`,
      `Listen 127.0.0.1:${port}`,
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${dir}/error.log`,
      `LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${MODULES}/mod_authz_core.so`,
      `LoadModule dav_module ${MODULES}/mod_dav.so`,
      `LoadModule dav_fs_module ${MODULES}/mod_dav_fs.so`,
      `LoadModule alias_module ${MODULES}/mod_alias.so`,
      `DAVLockDB ${dir}/lock/DAVLock`,
      `Alias /dav ${root}`,
      `<Directory ${root}>`,
      '  Dav On',
      '  Require all granted',
      '</Directory>',
      '',
    ].join('\n'),
  );
  const started = spawnSync(APACHE, ['-f', conf, '-k', 'start'], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`apache2 did not start: ${started.stderr}`);
  for (let i = 0; i < 50; i++) {
    if (await fs.stat(`${dir}/httpd.pid`).catch(() => null)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = Number(await fs.readFile(`${dir}/httpd.pid`, 'utf8'));
  return {
    url: `http://127.0.0.1:${port}/dav`,
    root,
    /** CPU time (user + system) of the Apache parent and its children, in ms. */
    cpuMs: () => processTreeCpuMs(pid),
    stop: () => spawnSync(APACHE, ['-f', conf, '-k', 'stop']),
  };
}

type Apache = Awaited<ReturnType<typeof startApache>>;

/** Sums utime + stime from /proc of a process and its direct children (Apache's workers). */
function processTreeCpuMs(parent: number): number {
  const ticksPerSecond = 100;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === parent || Number(fields[1]) === parent)
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** One request at a time through the client child process (bench/cloud-client.ts), timed there. */
function startClient() {
  const child = fork(path.join(import.meta.dirname, 'cloud-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const waiting = new Map<number, (answer: ClientAnswer) => void>();
  child.on('message', (answer: ClientAnswer) => {
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  const request = (url: string, method: string, headers: Record<string, string>, bodyFile?: string) =>
    new Promise<ClientAnswer>((resolve, reject) => {
      const id = next++;
      waiting.set(id, (answer) =>
        answer.error ? reject(new Error(`${method} ${url}: ${answer.error}`)) : resolve(answer),
      );
      const job: ClientRequest = { id, url, method, headers, ...(bodyFile ? { bodyFile } : {}) };
      child.send(job);
    });
  return { request, stop: () => child.disconnect() };
}

type Request = ReturnType<typeof startClient>['request'];

interface Side {
  url: string;
  headers: Record<string, string>;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-bench-cloud-'));
  console.log(
    `bench:cloud  files=${FILES} large=${MEGABYTES} MiB rounds=${ROUNDS} engines=${ENGINES.join(',')}  load before: ${load()}`,
  );
  const apache = await startApache(path.join(dir, 'apache'));
  const client = startClient();
  try {
    await fs.mkdir(path.join(apache.root, 'many'));
    for (let i = 0; i < FILES; i++)
      await fs.writeFile(path.join(apache.root, 'many', fileName(i)), fileContent(i));
    // A large file, streamed up and down.
    const large = path.join(dir, 'large.bin');
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const out = createWriteStream(large);
    for (let i = 0; i < MEGABYTES; i++)
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    for (const engine of ENGINES) {
      if (engine === 'postgres') {
        const { url, drop } = await scratchDatabase('srp_bench_cloud');
        try {
          await benchEngine(engine, client.request, apache, large, {
            ownDatabase: true,
            env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '10' },
          });
        } finally {
          await drop();
        }
      } else await benchEngine(engine, client.request, apache, large, { env: {} });
    }
  } finally {
    client.stop();
    apache.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const fileName = (i: number) => `datei-${String(i).padStart(5, '0')}.txt`;
const fileContent = (i: number) => `Vereinsdatei ${i}\n`;

async function benchEngine(
  engine: string,
  request: Request,
  apache: Apache,
  large: string,
  options: { ownDatabase?: boolean; env: Record<string, string> },
) {
  const server = await startTestServer({
    webDist: null,
    ...(options.ownDatabase ? { ownDatabase: true } : {}),
    env: { JOBS_ENABLED: 'false', ...options.env },
  });
  try {
    const { admin, club, appPassword } = await createTestClub(server.ctx);
    const ref: Side = { url: apache.url, headers: {} };
    const ours: Side = {
      url: `${server.url}/dav/files/${club.slug}`,
      headers: { authorization: basic(admin.email, appPassword) },
    };

    // The same folder of small files as on Apache.
    const folder = await server.ctx.cloudFiles.createFolder(
      club,
      await server.ctx.cloudFiles.root(club),
      'many',
      admin.id,
    );
    for (let i = 0; i < FILES; i++) {
      const content = fileContent(i);
      await server.ctx.cloudFiles.writeFile(
        club,
        folder,
        fileName(i),
        Readable.from([Buffer.from(content)]),
        {
          size: Buffer.byteLength(content),
          userId: admin.id,
        },
      );
    }

    const propfind = async (side: Side) => {
      const { ms, status } = await request(`${side.url}/many/`, 'PROPFIND', { ...side.headers, depth: '1' });
      if (status !== 207) throw new Error(`PROPFIND answered ${status}`);
      return ms;
    };
    await propfind(ours);
    await propfind(ref);
    const oursTimes: number[] = [];
    const refTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      oursTimes.push(await propfind(ours));
      refTimes.push(await propfind(ref));
    }

    const size = MEGABYTES * 1024 * 1024;
    const mib = size / 1024 / 1024;
    /** Wall time as MiB/s, and the CPU the serving side spent per MiB (ours: this process). */
    const transfer = async (side: Side, cpu: () => number, send: () => Promise<ClientAnswer>) => {
      const cpuBefore = cpu();
      const { ms } = await send();
      return { rate: mib / (ms / 1000), cpuPerMib: (cpu() - cpuBefore) / mib };
    };
    const upload = (side: Side, cpu: () => number, name: string) =>
      transfer(side, cpu, async () => {
        const answer = await request(
          `${side.url}/${name}`,
          'PUT',
          { ...side.headers, 'content-length': String(size) },
          large,
        );
        if (answer.status !== 201 && answer.status !== 204) throw new Error(`PUT answered ${answer.status}`);
        return answer;
      });
    const download = (side: Side, cpu: () => number, name: string) =>
      transfer(side, cpu, async () => {
        const answer = await request(`${side.url}/${name}`, 'GET', side.headers);
        if (answer.bytes !== size) throw new Error(`GET delivered ${answer.bytes} bytes`);
        return answer;
      });
    const ourCpu = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    type Sample = Awaited<ReturnType<typeof transfer>>;
    const up = { ours: [] as Sample[], ref: [] as Sample[] };
    const down = { ours: [] as Sample[], ref: [] as Sample[] };
    // One unmeasured round to warm both sides, then alternate who goes first: an upload leaves work
    // behind (Apache's unsynced pages are written back later) that the next upload would pay for.
    const both = async (refFirst: boolean, refRun: () => Promise<Sample>, ourRun: () => Promise<Sample>) => {
      if (refFirst) {
        const r = await refRun();
        return { r, o: await ourRun() };
      }
      const o = await ourRun();
      return { r: await refRun(), o };
    };
    for (let i = -1; i < LARGE_ROUNDS; i++) {
      const refName = `large-${engine}-${i + 1}.bin`;
      const ourName = `large-${i + 1}.bin`;
      const refFirst = i % 2 === 0;
      const u = await both(
        refFirst,
        () => upload(ref, apache.cpuMs, refName),
        () => upload(ours, ourCpu, ourName),
      );
      const d = await both(
        refFirst,
        () => download(ref, apache.cpuMs, refName),
        () => download(ours, ourCpu, ourName),
      );
      if (i < 0) continue;
      up.ref.push(u.r);
      up.ours.push(u.o);
      down.ref.push(d.r);
      down.ours.push(d.o);
    }
    const median = (xs: number[]) => percentile(xs, 0.5);
    const throughput = (figure: string, samples: { ours: Sample[]; ref: Sample[] }) => {
      const [o, r] = [median(samples.ours.map((s) => s.rate)), median(samples.ref.map((s) => s.rate))];
      return [`${figure} (median of ${LARGE_ROUNDS})`, o, r, o / r] as const;
    };
    const cpu = (figure: string, samples: { ours: Sample[]; ref: Sample[] }) => {
      const [o, r] = [
        median(samples.ours.map((s) => s.cpuPerMib)),
        median(samples.ref.map((s) => s.cpuPerMib)),
      ];
      return [`${figure} (median)`, o, r, r / o] as const;
    };
    const rows: (readonly [string, number, number, number])[] = [
      [
        'PROPFIND Depth 1, median ms',
        median(oursTimes),
        median(refTimes),
        median(refTimes) / median(oursTimes),
      ],
      [
        'PROPFIND Depth 1, p95 ms',
        percentile(oursTimes, 0.95),
        percentile(refTimes, 0.95),
        percentile(refTimes, 0.95) / percentile(oursTimes, 0.95),
      ],
      throughput('upload MiB/s', up),
      throughput('download MiB/s', down),
      cpu('upload, server CPU ms per MiB', up),
      cpu('download, server CPU ms per MiB', down),
    ];
    console.log(
      `\n| Figure (${engine}, ${FILES} files, ${MEGABYTES} MiB file) | platform | Apache mod_dav | ratio (≥ 1 is as good or better) |`,
    );
    console.log('| --- | ---: | ---: | ---: |');
    for (const [figure, a, b, ratio] of rows)
      console.log(`| ${figure} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${ratio.toFixed(2)} |`);
    console.log(`\nload after ${engine}: ${load()}`);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
