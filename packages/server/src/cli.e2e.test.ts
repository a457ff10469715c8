// The CLI binary as an operator runs it, on an embedded database under DATA_DIR. The commands themselves
// are tested in-process in cli.db.test.ts; here: the entry point, seeding, exit codes, config errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cliPath = path.join(import.meta.dirname, 'cli.ts');
let dataDir: string;

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cliPath, ...args],
      {
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', ...env },
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    return error as { stdout: string; stderr: string; code: number };
  }
}

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-cli-'));
});
after(() => fs.rm(dataDir, { recursive: true, force: true }));

test('seed-demo creates both demo regions in the data directory, once', async () => {
  const seeded = await cli({}, 'seed-demo', '--second-region');
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.match(seeded.stdout, /seeded: Südkreis, Kinzigtal-Spessart/);
  const listed = await cli({}, 'list-municipalities');
  assert.match(listed.stdout, /flieden\s+Flieden/);
  assert.match(listed.stdout, /steinau\s+Steinau an der Straße/);
  assert.equal(listed.stdout.match(/^ {2}\S/gm)?.length, 9, 'three plus six municipalities');
});

test('a configuration error lists every problem and exits non-zero', async () => {
  const { code, stderr } = await cli({ DATABASE_URL: 'mysql://nope', PORT: 'x' }, 'migrate');
  assert.notEqual(code, 0);
  assert.match(stderr, /DATABASE_URL/);
  assert.match(stderr, /PORT/);
});
