// Helpers shared by the benchmark scripts.
import pg from 'pg';
import type { RunningPlatform } from '../packages/server/src/server.js';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh database for one benchmark run; `drop` removes it again. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
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

/** A municipality with an API key (scope sensors:write) made the way an operator makes one: over HTTP. */
export async function tenantWithKey(platform: RunningPlatform, admin: { email: string; password: string }) {
  const db = platform.ctx.db;
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
  const login = await fetch(`${platform.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
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
      municipalityId: municipality.id,
    }),
  });
  const { secret } = (await created.json()) as { secret: string };
  return { municipalityId: municipality.id, apiKey: secret };
}
