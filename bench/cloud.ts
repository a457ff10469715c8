// npm run bench:cloud [-- --files 2000 --mb 256 --rounds 20] [--postgres | --pglite]
// The club cloud WebDAV benchmark (not a test): starts the real platform in this process (local file
// storage; PGlite and a scratch PostgreSQL database, one after the other, or only the one named) and an
// unprivileged throwaway Apache httpd with mod_dav_fs on free ports, puts the same files into both, and
// prints each figure beside Apache's from the same run.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
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
  return {
    url: `http://127.0.0.1:${port}/dav`,
    root,
    stop: () => spawnSync(APACHE, ['-f', conf, '-k', 'stop']),
  };
}

function request(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Readable,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

interface Side {
  url: string;
  headers: Record<string, string>;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
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
          await benchEngine(engine, { url: apache.url, headers: {} }, large, {
            ownDatabase: true,
            env: { DATABASE_URL: url, DATABASE_POOL_SIZE: '10' },
          });
        } finally {
          await drop();
        }
      } else await benchEngine(engine, { url: apache.url, headers: {} }, large, { env: {} });
    }
  } finally {
    apache.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const fileName = (i: number) => `datei-${String(i).padStart(5, '0')}.txt`;
const fileContent = (i: number) => `Vereinsdatei ${i}\n`;

async function benchEngine(
  engine: string,
  ref: Side,
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
      const { ms, result } = await timed(() =>
        request(`${side.url}/many/`, 'PROPFIND', { ...side.headers, depth: '1' }),
      );
      if (result.status !== 207) throw new Error(`PROPFIND answered ${result.status}`);
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
    const upload = async (side: Side, name: string) => {
      const { ms, result } = await timed(() =>
        request(
          `${side.url}/${name}`,
          'PUT',
          { ...side.headers, 'content-length': String(size) },
          createReadStream(large),
        ),
      );
      if (result.status !== 201 && result.status !== 204) throw new Error(`PUT answered ${result.status}`);
      return size / 1024 / 1024 / (ms / 1000);
    };
    const download = async (side: Side, name: string) => {
      const { ms, result } = await timed(() => request(`${side.url}/${name}`, 'GET', side.headers));
      if (result.bytes !== size) throw new Error(`GET delivered ${result.bytes} bytes`);
      return size / 1024 / 1024 / (ms / 1000);
    };
    const up = { ours: [] as number[], ref: [] as number[] };
    const down = { ours: [] as number[], ref: [] as number[] };
    for (let i = 0; i < 3; i++) {
      up.ref.push(await upload(ref, `large-${engine}-${i}.bin`));
      up.ours.push(await upload(ours, `large-${i}.bin`));
      down.ref.push(await download(ref, `large-${engine}-${i}.bin`));
      down.ours.push(await download(ours, `large-${i}.bin`));
    }
    const median = (xs: number[]) => percentile(xs, 0.5);
    const rows = [
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
      ['upload MiB/s (median of 3)', median(up.ours), median(up.ref), median(up.ours) / median(up.ref)],
      [
        'download MiB/s (median of 3)',
        median(down.ours),
        median(down.ref),
        median(down.ours) / median(down.ref),
      ],
    ] as const;
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
