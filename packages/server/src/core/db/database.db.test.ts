import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase, testDatabase, testLane } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';

const handle = await testDatabase();
after(() => handle.close());

test(`the ${testLane} lane is migrated and answers`, async () => {
  assert.equal(handle.kind, testLane);
  await handle.ping();
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public'`.execute(handle.db);
  const names = tables.rows.map((r) => r.table_name);
  for (const t of ['regions', 'municipalities', 'users', 'role_grants', 'sessions', 'audit_log', 'jobs']) {
    assert.ok(names.includes(t), `table ${t} exists`);
  }
});

test('both engines return the same JavaScript types', async () => {
  const { rows } = await sql<{ big: unknown; num: unknown; day: unknown; at: unknown; doc: unknown }>`
    select 9007199254740991::int8 as big, 1.25::numeric as num, date '2026-11-21' as day,
           timestamptz '2026-11-21 10:00:00+00' as at, '{"a":[1]}'::jsonb as doc`.execute(handle.db);
  const row = rows[0]!;
  assert.equal(row.big, 9007199254740991);
  assert.equal(row.num, 1.25);
  assert.equal(row.day, '2026-11-21');
  assert.ok(row.at instanceof Date);
  assert.equal(row.at.toISOString(), '2026-11-21T10:00:00.000Z');
  assert.deepEqual(row.doc, { a: [1] });
});

test('statements are never JIT-compiled (compiling cost seconds for millisecond queries)', async () => {
  const { rows } = await sql<{ jit: string; available: boolean }>`
    select current_setting('jit') as jit, pg_jit_available() as available`.execute(handle.db);
  const row = rows[0]!;
  // PGlite is built without LLVM; PostgreSQL may have it, so our connections switch JIT off.
  if (handle.kind === 'postgres') assert.equal(row.jit, 'off');
  else assert.equal(row.available, false);
});

test('a transaction is isolated from concurrent statements and rolls back as a whole', async () => {
  const { region } = await createTestTenant(handle.db);
  const attempt = handle.db.transaction().execute(async (trx) => {
    await trx.updateTable('regions').set({ name: 'changed' }).where('id', '=', region.id).execute();
    throw new Error('abort');
  });
  const concurrentRead = handle.db
    .selectFrom('regions')
    .select('name')
    .where('id', '=', region.id)
    .executeTakeFirstOrThrow();
  await assert.rejects(attempt, /abort/);
  assert.equal((await concurrentRead).name, 'Testregion');
  const after = await handle.db
    .selectFrom('regions')
    .select('name')
    .where('id', '=', region.id)
    .executeTakeFirstOrThrow();
  assert.equal(after.name, 'Testregion');
});

test('work under one exclusive name runs one at a time, also from two instances', async () => {
  // On PostgreSQL a second handle stands for a second server instance; PGlite belongs to one process.
  const other = testLane === 'postgres' ? await openTestDatabase() : handle;
  try {
    const name = `test:${crypto.randomUUID()}`;
    const events: string[] = [];
    const work = (who: string) => async () => {
      events.push(`${who} in`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push(`${who} out`);
      if (who === 'b') throw new Error('work that fails releases the name too');
      return who;
    };
    const results = await Promise.allSettled([
      handle.exclusive(name, work('a')),
      other.exclusive(name, work('b')),
      handle.exclusive(name, work('c')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    // Whatever the order, each one finishes before the next one starts.
    assert.equal(events.length, 6);
    for (let i = 0; i < events.length; i += 2) {
      assert.match(events[i]!, / in$/);
      assert.equal(events[i + 1], events[i]!.replace(' in', ' out'));
    }
    // Other names are not held up by it.
    assert.equal(await handle.exclusive(`${name}:other`, async () => 'free'), 'free');
  } finally {
    if (other !== handle) await other.close();
  }
});

test('parallel tenants do not see each other by slug', async () => {
  const [a, b] = await Promise.all([createTestTenant(handle.db), createTestTenant(handle.db)]);
  assert.notEqual(a.municipality.slug, b.municipality.slug);
  const own = await handle.db
    .selectFrom('municipalities')
    .selectAll()
    .where('region_id', '=', a.region.id)
    .execute();
  assert.deepEqual(
    own.map((m) => m.id),
    [a.municipality.id],
  );
});
