// The database for database and end-to-end tests. The lane comes from the test runner (scripts/test.mjs):
// PGlite in memory, loaded from a template migrated once per run, or the PostgreSQL at TEST_DATABASE_URL.
// Tests never truncate: each builds its own tenant with the factories and sees only that.
import fs from 'node:fs/promises';
import { openDatabase, type DatabaseHandle } from '../core/db/database.js';
import { migrateToLatest } from '../core/db/migrate.js';

export type TestLane = 'pglite' | 'postgres';
export const testLane: TestLane = process.env.TEST_DB_LANE === 'postgres' ? 'postgres' : 'pglite';

let shared: Promise<DatabaseHandle> | undefined;

/** One migrated database per test process, closed when the process ends. */
export function testDatabase(): Promise<DatabaseHandle> {
  shared ??= openTestDatabase();
  return shared;
}

export async function openTestDatabase(): Promise<DatabaseHandle> {
  if (testLane === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DB_LANE=postgres needs TEST_DATABASE_URL');
    const handle = await openDatabase({ databaseUrl: url, poolSize: 4 });
    await migrateToLatest(handle.db);
    return handle;
  }
  const template = process.env.TEST_PGLITE_TEMPLATE;
  const handle = await openDatabase(
    template ? { pgliteTemplate: new Blob([await fs.readFile(template)]) } : {},
  );
  await migrateToLatest(handle.db); // no-op with the template; migrates when a test file runs on its own
  return handle;
}

/** Writes a migrated empty PGlite data directory, so each test process loads it instead of migrating. */
export async function writePGliteTemplate(file: string): Promise<void> {
  const handle = await openDatabase({});
  await migrateToLatest(handle.db);
  const dump = await handle.dumpDataDir!();
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await handle.close();
}
