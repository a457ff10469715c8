// Real CalDAV clients from Debian against the started platform: python3-caldav (discovery, a weekly
// event, a date-range search with expansion, modify, delete) and vdirsyncer syncing a calendar with a
// local folder in both directions. Both are installed by .ci/run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { systemActor } from '../../core/audit/audit.service.js';
import { createTestClub } from '../../test-support/cloud.js';
import { TEST_PASSWORD } from '../../test-support/factories.js';
import { basic } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

const run = promisify(execFile);
// Debian's interpreter, where python3-caldav lives (not a pyenv shim that may come first on PATH).
const PYTHON = '/usr/bin/python3';

let server: TestServer;
let email: string;
let secret: string;
let calendarUrl: string;

before(async () => {
  server = await startTestServer({ webDist: null });
  const { admin, club } = await createTestClub(server.ctx);
  const principal = await server.ctx.auth.principalFromBasic(admin.email, TEST_PASSWORD, '127.0.0.1');
  ({ secret } = await server.ctx.auth.issueCredential(
    principal!,
    { kind: 'app_password', label: 'clients', scopes: ['calendars'], municipalityId: null, expiresAt: null },
    systemActor('test'),
  ));
  email = admin.email;
  calendarUrl = `${server.url}/dav/calendars/${club.slug}/vereinskalender/`;
});
after(() => server.close());

const dav = (method: string, url: string, body?: string, headers: Record<string, string> = {}) =>
  fetch(url, { method, headers: { authorization: basic(email, secret), ...headers }, body: body ?? null });

test('python3-caldav discovers the calendar, creates, searches, modifies and deletes a recurring event', async () => {
  const { stdout } = await run(
    PYTHON,
    [path.join(import.meta.dirname, 'clients/python_caldav.py'), server.url, email, secret],
    { timeout: 120_000 },
  );
  const steps = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step: string } & Record<string, unknown>)
      .map((s) => [s.step, s]),
  );
  assert.deepEqual(steps.get('discover')?.calendars, ['Vereinskalender']);
  assert.match(String(steps.get('discover')?.principal), /\/dav\/principals\/[0-9a-f-]{36}\/$/);
  // Weekly from 2 March: 9 and 16 March lie in [9, 23) March.
  assert.equal(steps.get('search')?.objects, 1);
  assert.equal(steps.get('search')?.count, 2);
  assert.deepEqual(steps.get('search')?.starts, ['2026-03-09 17:00:00+00:00', '2026-03-16 17:00:00+00:00']);
  assert.equal(steps.get('search-outside')?.count, 0);
  assert.equal(steps.get('modified')?.summary, 'Jugendtraining (Halle 2)');
  assert.equal(steps.get('deleted')?.remaining, 0);
});

test('vdirsyncer syncs the calendar with a local folder in both directions', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-vdirsyncer-'));
  try {
    const local = path.join(dir, 'local');
    const config = path.join(dir, 'config');
    // The local collection exists beforehand, so discover has nothing to ask.
    await fs.mkdir(path.join(local, 'vereinskalender'), { recursive: true });
    await fs.writeFile(
      config,
      [
        '[general]',
        `status_path = "${path.join(dir, 'status')}/"`,
        '[pair club]',
        'a = "club_remote"',
        'b = "club_local"',
        'collections = ["from a"]',
        'conflict_resolution = "a wins"',
        '[storage club_remote]',
        'type = "caldav"',
        `url = "${server.url}/"`,
        `username = "${email}"`,
        `password = "${secret}"`,
        '[storage club_local]',
        'type = "filesystem"',
        `path = "${local}/"`,
        'fileext = ".ics"',
        '',
      ].join('\n'),
    );
    const vdirsyncer = (...args: string[]) =>
      run('vdirsyncer', ['-c', config, ...args], {
        timeout: 120_000,
        env: { ...process.env, LANG: 'C.UTF-8' },
      });

    const remoteEvent = (uid: string, summary: string) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        'DTSTART:20260410T160000Z',
        'DTEND:20260410T170000Z',
        `SUMMARY:${summary}`,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    assert.equal(
      (
        await dav('PUT', `${calendarUrl}server.ics`, remoteEvent('server-1', 'Vorstandssitzung'), {
          'content-type': 'text/calendar',
        })
      ).status,
      201,
    );

    await vdirsyncer('discover', 'club');
    await vdirsyncer('sync');
    const collection = path.join(local, 'vereinskalender');
    const files = await fs.readdir(collection);
    const pulled = await Promise.all(files.map((f) => fs.readFile(path.join(collection, f), 'utf8')));
    assert.ok(
      pulled.some((text) => text.includes('SUMMARY:Vorstandssitzung')),
      'server event synced down',
    );

    // Local create and local change go up; a server deletion comes down.
    await fs.writeFile(path.join(collection, 'local-1.ics'), remoteEvent('local-1', 'Arbeitseinsatz'));
    const serverFile = files.find((_, i) => pulled[i]!.includes('server-1'))!;
    await fs.writeFile(
      path.join(collection, serverFile),
      remoteEvent('server-1', 'Vorstandssitzung (verlegt)'),
    );
    await vdirsyncer('sync');
    const listing = await dav(
      'REPORT',
      calendarUrl,
      '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop>' +
        '<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>',
      { depth: '1' },
    );
    const xml = await listing.text();
    assert.match(xml, /SUMMARY:Arbeitseinsatz/);
    assert.match(xml, /SUMMARY:Vorstandssitzung \(verlegt\)/);

    const uploaded = /<D:href>([^<]*local-1[^<]*)<\/D:href>/.exec(xml)?.[1];
    assert.ok(uploaded, 'the local event has a server URL');
    assert.equal((await dav('DELETE', `${server.url}${uploaded}`)).status, 204);
    await vdirsyncer('sync');
    const after = await fs.readdir(collection);
    const texts = await Promise.all(after.map((f) => fs.readFile(path.join(collection, f), 'utf8')));
    assert.ok(!texts.some((t) => t.includes('local-1')), 'server deletion synced down');
    assert.ok(texts.some((t) => t.includes('Vorstandssitzung (verlegt)')));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
