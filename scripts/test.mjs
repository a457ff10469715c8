#!/usr/bin/env node
// Runs the test tiers with Node's test runner:
//   unit  *.test.ts       pure logic, no database
//   db    *.db.test.ts    against a real database: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set
//   e2e   *.e2e.test.ts   HTTP against a started server, browser tests in Chromium
// Usage: node scripts/test.mjs all|unit|db|e2e [file-filter]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const [tier = 'all', filter] = process.argv.slice(2);
const tiers = tier === 'all' ? ['unit', 'db', 'e2e'] : [tier];
if (!tiers.every((t) => ['unit', 'db', 'e2e'].includes(t))) {
  console.error(`unknown tier ${tier}; use all, unit, db or e2e`);
  process.exit(2);
}

function findTests(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTests(full, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}
const tierOf = (file) =>
  file.endsWith('.db.test.ts') ? 'db' : file.endsWith('.e2e.test.ts') ? 'e2e' : 'unit';
const all = findTests(path.join(root, 'packages'))
  .filter((f) => !filter || f.includes(filter))
  .sort();

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'srp-test-'));
const nodeArgs = ['--conditions=source', '--import', 'tsx'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedRuns = [];

async function run(label, files, env, concurrency) {
  if (files.length === 0) return;
  console.log(`\n=== ${label}: ${files.length} file(s)`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--test',
      `--test-concurrency=${concurrency}`,
      // A hung test or a handle left open (a database, a server) must fail the run, not stall it.
      '--test-force-exit',
      `--test-timeout=${process.env.TEST_TIMEOUT_MS ?? 120_000}`,
      '--test-reporter=spec',
      ...files,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  // The spec reporter ends with "ℹ pass N", "ℹ fail N", … lines; take the last of each.
  const summary = (name) => {
    const lines = output.match(new RegExp(`^ℹ ${name} \\d+$`, 'gm')) ?? [];
    return Number(lines.at(-1)?.split(' ').at(-1) ?? 0);
  };
  const c = {
    passed: summary('pass'),
    failed: summary('fail') + summary('cancelled'),
    skipped: summary('skipped') + summary('todo'),
  };
  if (status !== 0 && c.failed === 0) c.failed = 1; // a crash outside any test still fails the run
  for (const k of Object.keys(totals)) totals[k] += c[k];
  if (c.failed > 0) failedRuns.push(label);
  console.log(
    `=== ${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function prepareTemplate() {
  const file = path.join(scratch, 'pglite-template.tar.gz');
  const r = spawnSync(
    process.execPath,
    [...nodeArgs, 'packages/server/src/test-support/make-template.ts', file],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('could not prepare the migrated PGlite template');
  return file;
}

function buildWebApp() {
  console.log('\n=== building the web app for the browser tests');
  const r = spawnSync('npm', ['run', 'build', '-w', '@srp/web', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the web app did not build');
}

const cores = os.availableParallelism();
const needsDb = tiers.some((t) => t !== 'unit') && all.some((f) => tierOf(f) !== 'unit');
const template = needsDb ? prepareTemplate() : undefined;
const pgliteEnv = { TEST_DB_LANE: 'pglite', TEST_PGLITE_TEMPLATE: template ?? '' };

for (const t of tiers) {
  const files = all.filter((f) => tierOf(f) === t);
  if (t === 'unit') await run('unit', files, {}, cores);
  if (t === 'db') {
    await run('db on PGlite', files, pgliteEnv, cores);
    if (process.env.TEST_DATABASE_URL)
      await run('db on PostgreSQL', files, { TEST_DB_LANE: 'postgres' }, cores * 2);
    else console.log('(TEST_DATABASE_URL not set: the PostgreSQL lane of the database tests is not run)');
  }
  if (t === 'e2e') {
    // Browser tests need the built web app, and the server serves it from packages/web/dist.
    if (files.some((f) => f.startsWith('packages/web/'))) buildWebApp();
    await run('e2e', files, pgliteEnv, Math.max(1, cores - 1));
  }
}

fs.rmSync(scratch, { recursive: true, force: true });
console.log(`\n${failedRuns.length ? `failed in: ${failedRuns.join(', ')}\n` : ''}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
