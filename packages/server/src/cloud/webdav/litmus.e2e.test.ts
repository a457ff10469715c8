// WebDAV conformance: Debian's litmus suite (basic, copymove, props, locks, http) against the started
// platform, as a club admin with an app password. Every test must pass.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestClub } from '../../test-support/cloud.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

test('litmus passes every test of basic, copymove, props, locks and http', async () => {
  const { admin, club, appPassword } = await createTestClub(server.ctx);
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-litmus-'));
  try {
    const { output } = await run(
      'litmus',
      [`${server.url}/dav/files/${club.slug}/`, admin.email, appPassword],
      cwd,
    );
    const summaries = [
      ...output.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g),
    ];
    const counts = summaries.map((m) => ({
      suite: m[1],
      run: Number(m[2]),
      passed: Number(m[3]),
      failed: Number(m[4]),
    }));
    const total = counts.reduce((sum, c) => ({ run: sum.run + c.run, failed: sum.failed + c.failed }), {
      run: 0,
      failed: 0,
    });
    console.log(
      `litmus: ${counts.map((c) => `${c.suite} ${c.passed}/${c.run}`).join(', ')}; ${total.failed} failed of ${total.run}`,
    );
    const warnings = output.split('\n').filter((l) => l.includes('WARNING'));
    if (warnings.length) console.log(warnings.join('\n'));
    assert.deepEqual(
      counts.map((c) => c.suite),
      ['basic', 'copymove', 'props', 'locks', 'http'],
      output,
    );
    assert.equal(
      total.failed,
      0,
      output
        .split('\n')
        .filter((l) => l.includes('FAIL'))
        .join('\n'),
    );
  } finally {
    await fs.rm(cwd, { recursive: true, force: true });
  }
});
