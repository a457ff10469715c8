// CalDAV over HTTP against the started platform: discovery, PUT/GET/DELETE with preconditions,
// calendar-query with time-range and expand, multiget, sync-collection, MKCALENDAR/PROPPATCH, rights
// from the club's groups, and bad iCalendar data answered with CALDAV:valid-calendar-data.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

let server: TestServer;
let auth: string;
let home: string;
let calendar: string;
let slug: string;
let adminId: string;
let clubId: string;

before(async () => {
  server = await startTestServer({ webDist: null });
  const { admin, club } = await createTestClub(server.ctx);
  const principal = await server.ctx.auth.principalFromBasic(admin.email, TEST_PASSWORD, '127.0.0.1');
  const { secret } = await server.ctx.auth.issueCredential(
    principal!,
    { kind: 'app_password', label: 'caldav', scopes: ['calendars'], municipalityId: null, expiresAt: null },
    systemActor('test'),
  );
  auth = basic(admin.email, secret);
  slug = club.slug;
  adminId = admin.id;
  clubId = club.id;
  home = `/dav/calendars/${club.slug}/`;
  calendar = `${home}vereinskalender/`;
});
after(() => server.close());

const dav = (
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string; auth?: string } = {},
) =>
  fetch(`${server.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { authorization: init.auth ?? auth, ...init.headers },
    body: init.body ?? null,
  });

const ics = (uid: string, lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', '']
    .join('\r\n')
    .replace(/UID:X/g, `UID:${uid}`);

const weekly = (uid: string, summary = 'Training') =>
  ics(uid, [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Berlin',
    'BEGIN:STANDARD',
    'DTSTART:19701025T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:X',
    'DTSTAMP:20260101T000000Z',
    'DTSTART;TZID=Europe/Berlin:20260105T180000',
    'DTEND;TZID=Europe/Berlin:20260105T193000',
    `SUMMARY:${summary}`,
    'RRULE:FREQ=WEEKLY;COUNT=10',
    'EXDATE;TZID=Europe/Berlin:20260112T180000',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Reminder',
    'TRIGGER:-PT15M',
    'END:VALARM',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:X',
    'DTSTAMP:20260101T000000Z',
    'RECURRENCE-ID;TZID=Europe/Berlin:20260119T180000',
    'DTSTART;TZID=Europe/Berlin:20260120T190000',
    'DTEND;TZID=Europe/Berlin:20260120T203000',
    `SUMMARY:${summary} (verschoben)`,
    'END:VEVENT',
  ]);

const range = (start: string, end: string, expand = false) =>
  '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">' +
  `<D:prop><D:getetag/><C:calendar-data>${expand ? `<C:expand start="${start}" end="${end}"/>` : ''}</C:calendar-data></D:prop>` +
  `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${start}" end="${end}"/></C:comp-filter></C:comp-filter></C:filter>` +
  '</C:calendar-query>';

test('discovery: .well-known redirects, the principal names one calendar home per club', async () => {
  const wellKnown = await dav('PROPFIND', '/.well-known/caldav', { headers: { depth: '0' } });
  assert.equal(wellKnown.status, 301);
  assert.equal(wellKnown.headers.get('location'), '/dav/calendars/');
  const root = await dav('PROPFIND', '/dav/calendars/', {
    headers: { depth: '0' },
    body: '<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>',
  });
  assert.equal(root.status, 207);
  assert.match(await root.text(), new RegExp(`<D:href>/dav/principals/${adminId}/</D:href>`));
  const principal = await dav('PROPFIND', `/dav/principals/${adminId}/`, {
    headers: { depth: '0' },
    body: '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop><C:calendar-home-set/><C:calendar-user-address-set/></prop></propfind>',
  });
  const xml = await principal.text();
  assert.match(xml, new RegExp(`<D:href>/dav/calendars/${slug}/</D:href>`));
  assert.match(xml, /mailto:/);
  const calendars = await dav('PROPFIND', home, {
    headers: { depth: '1' },
    body:
      '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"><prop>' +
      '<resourcetype/><displayname/><C:supported-calendar-component-set/><CS:getctag/><sync-token/></prop></propfind>',
  });
  const list = await calendars.text();
  assert.match(list, /<D:href>[^<]*\/vereinskalender\/<\/D:href>/);
  assert.match(list, /<D:displayname>Vereinskalender<\/D:displayname>/);
  assert.match(
    list,
    /<ns\d:calendar xmlns:ns\d="urn:ietf:params:xml:ns:caldav"\/>|<C:calendar xmlns:C="urn:ietf:params:xml:ns:caldav"\/>/,
  );
  assert.match(list, /name="VEVENT"/);
  assert.match(list, /getctag>urn:srp:calendar-sync:/);
  // Someone else's principal is not visible.
  assert.equal(
    (
      await dav('PROPFIND', '/dav/principals/00000000-0000-0000-0000-000000000000/', {
        headers: { depth: '0' },
      })
    ).status,
    404,
  );
});

test('PUT, GET, conditional writes, time-range queries with recurrence, expand and DELETE', async () => {
  const href = `${calendar}training.ics`;
  const created = await dav('PUT', href, {
    headers: { 'content-type': 'text/calendar', 'if-none-match': '*' },
    body: weekly('training-1'),
  });
  assert.equal(created.status, 201);
  const etag = created.headers.get('etag')!;
  assert.ok(etag);
  const again = await dav('PUT', href, {
    headers: { 'content-type': 'text/calendar', 'if-none-match': '*' },
    body: weekly('training-1'),
  });
  assert.equal(again.status, 412);
  const get = await dav('GET', href);
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('etag'), etag);
  assert.match(await get.text(), /RRULE:FREQ=WEEKLY;COUNT=10/);

  // Week 2 is excluded (EXDATE): nothing on 12 January; week 3 moved from Monday to Tuesday.
  const excluded = await dav('REPORT', calendar, {
    headers: { depth: '1', 'content-type': 'application/xml' },
    body: range('20260112T000000Z', '20260113T000000Z'),
  });
  assert.equal(excluded.status, 207);
  assert.doesNotMatch(await excluded.text(), /training\.ics/);
  const moved = await dav('REPORT', calendar, {
    headers: { depth: '1' },
    body: range('20260120T000000Z', '20260121T000000Z'),
  });
  assert.match(await moved.text(), /training\.ics/);
  const late = await dav('REPORT', calendar, {
    headers: { depth: '1' },
    body: range('20270101T000000Z', '20270201T000000Z'),
  });
  assert.doesNotMatch(await late.text(), /training\.ics/);

  const expanded = await dav('REPORT', calendar, {
    headers: { depth: '1' },
    body: range('20260101T000000Z', '20260201T000000Z', true),
  });
  const text = (await expanded.text()).replace(/\r?\n /g, '');
  // January: 5th, (12th excluded), 20th (moved), 26th; Berlin 18:00 is 17:00 UTC in winter.
  assert.match(text, /DTSTART:20260105T170000Z/);
  assert.doesNotMatch(text, /DTSTART:20260112T170000Z/);
  assert.match(text, /DTSTART:20260120T180000Z/);
  assert.match(text, /DTSTART:20260126T170000Z/);
  assert.doesNotMatch(text, /RRULE/);

  const stale = await dav('PUT', href, {
    headers: { 'content-type': 'text/calendar', 'if-match': '"stale"' },
    body: weekly('training-1', 'Neu'),
  });
  assert.equal(stale.status, 412);
  const updated = await dav('PUT', href, {
    headers: { 'content-type': 'text/calendar', 'if-match': etag },
    body: weekly('training-1', 'Neu'),
  });
  assert.equal(updated.status, 204);
  assert.notEqual(updated.headers.get('etag'), etag);

  const conflict = await dav('PUT', `${calendar}other.ics`, {
    headers: { 'content-type': 'text/calendar' },
    body: weekly('training-1'),
  });
  assert.equal(conflict.status, 409);
  assert.match(await conflict.text(), /no-uid-conflict/);

  assert.equal((await dav('DELETE', href, { headers: { 'if-match': etag } })).status, 412);
  assert.equal((await dav('DELETE', href)).status, 204);
  assert.equal((await dav('GET', href)).status, 404);
});

test('sync-collection reports changes and deletions since a token; multiget returns objects', async () => {
  const initial = await dav('REPORT', calendar, {
    headers: { depth: '0' },
    body: '<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>',
  });
  assert.equal(initial.status, 207);
  const token = /<D:sync-token>([^<]+)<\/D:sync-token>/.exec(await initial.text())![1]!;
  const one = ics('sync-a', [
    'BEGIN:VEVENT',
    'UID:X',
    'DTSTAMP:20260101T000000Z',
    'DTSTART;VALUE=DATE:20260301',
    'SUMMARY:Sommerfest',
    'END:VEVENT',
  ]);
  assert.equal(
    (await dav('PUT', `${calendar}a.ics`, { headers: { 'content-type': 'text/calendar' }, body: one }))
      .status,
    201,
  );
  assert.equal(
    (
      await dav('PUT', `${calendar}b.ics`, {
        headers: { 'content-type': 'text/calendar' },
        body: one.replace('sync-a', 'sync-b'),
      })
    ).status,
    201,
  );
  assert.equal((await dav('DELETE', `${calendar}b.ics`)).status, 204);
  const delta = await dav('REPORT', calendar, {
    headers: { depth: '0' },
    body: `<sync-collection xmlns="DAV:"><sync-token>${token}</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`,
  });
  const xml = await delta.text();
  assert.match(xml, /a\.ics<\/D:href><D:propstat>/);
  assert.match(xml, /b\.ics<\/D:href><D:status>HTTP\/1.1 404 Not Found/);
  assert.doesNotMatch(xml, new RegExp(token));
  const bad = await dav('REPORT', calendar, {
    headers: { depth: '0' },
    body: '<sync-collection xmlns="DAV:"><sync-token>urn:srp:calendar-sync:nope</sync-token><sync-level>1</sync-level><prop/></sync-collection>',
  });
  assert.equal(bad.status, 403);
  assert.match(await bad.text(), /valid-sync-token/);

  const multiget = await dav('REPORT', calendar, {
    headers: { depth: '1' },
    body:
      '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>' +
      `<D:href>${calendar}a.ics</D:href><D:href>${calendar}missing.ics</D:href></C:calendar-multiget>`,
  });
  const mxml = await multiget.text();
  assert.match(mxml, /SUMMARY:Sommerfest/);
  assert.match(mxml, /missing\.ics<\/D:href><D:status>HTTP\/1.1 404/);
});

test('bad iCalendar data gets a 4xx with CALDAV:valid-calendar-data and the server stays up', async () => {
  for (const body of [
    'not a calendar',
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n',
    ics('', ['BEGIN:VEVENT', 'DTSTART:20260101T000000Z', 'END:VEVENT']),
    ics('bad-date', ['BEGIN:VEVENT', 'UID:X', 'DTSTART:2026-99-99', 'END:VEVENT']),
    ics('bad-rule', [
      'BEGIN:VEVENT',
      'UID:X',
      'DTSTART:20260101T000000Z',
      'RRULE:FREQ=NONSENSE',
      'END:VEVENT',
    ]),
  ]) {
    const res = await dav('PUT', `${calendar}bad.ics`, {
      headers: { 'content-type': 'text/calendar' },
      body,
    });
    assert.ok(res.status >= 400 && res.status < 500, `${res.status} for ${body}`);
    assert.match(await res.text(), /valid-calendar-data/);
  }
  const res = await dav('PROPFIND', calendar, { headers: { depth: '0' } });
  assert.equal(res.status, 207);
});

test('MKCALENDAR and PROPPATCH for writers; members of a read-only club may only read', async () => {
  const made = await dav('MKCALENDAR', `${home}jugend/`, {
    body: '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Jugend</D:displayname></D:prop></D:set></C:mkcalendar>',
  });
  assert.equal(made.status, 201);
  assert.equal((await dav('MKCALENDAR', `${home}jugend/`)).status, 405);
  const patched = await dav('PROPPATCH', `${home}jugend/`, {
    body: '<propertyupdate xmlns="DAV:"><set><prop><displayname>Jugendkalender</displayname></prop></set></propertyupdate>',
  });
  assert.equal(patched.status, 207);
  assert.match(await patched.text(), /200 OK/);
  const listed = await dav('PROPFIND', `${home}jugend/`, {
    headers: { depth: '0' },
    body: '<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>',
  });
  assert.match(await listed.text(), /Jugendkalender/);

  // A plain member in a club whose default right is read.
  const member = await createTestUser(server.ctx.db);
  const club = await server.ctx.clubs.get(clubId);
  await server.ctx.db
    .insertInto('club_members')
    .values({ club_id: club.id, user_id: member.id, role: 'member' })
    .execute();
  await server.ctx.clubs.setDefaultMemberAccess(club, 'read', systemActor('test'));
  const memberAuth = basic(member.email, TEST_PASSWORD);
  const read = await dav('PROPFIND', calendar, { headers: { depth: '1' }, auth: memberAuth });
  assert.equal(read.status, 207);
  const write = await dav('PUT', `${calendar}member.ics`, {
    auth: memberAuth,
    headers: { 'content-type': 'text/calendar' },
    body: ics('m', ['BEGIN:VEVENT', 'UID:X', 'DTSTART:20260101T000000Z', 'END:VEVENT']),
  });
  assert.equal(write.status, 403);
  const stranger = await createTestUser(server.ctx.db);
  const hidden = await dav('PROPFIND', calendar, {
    headers: { depth: '0' },
    auth: basic(stranger.email, TEST_PASSWORD),
  });
  assert.equal(hidden.status, 404);
  const anonymous = await fetch(`${server.url}${calendar}`, { method: 'PROPFIND' });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /Basic/);
});
