// The calendar JSON API as the web calendar uses it: recurring events from the form, occurrences in a
// range, CalDAV seeing the same event, invitations by e-mail with a METHOD:REQUEST attachment (through
// the local SMTP server), and public events in the municipality's calendar and iCal feeds only after
// the club published them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, TestClient } from '../../test-support/http.js';
import { startMailbox, type Mailbox } from '../../test-support/mailbox.js';
import { findPart, parseMime } from '../../test-support/mime-reader.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

interface CalendarView {
  id: string;
  slug: string;
  name: string;
  access: string;
  davUrl: string;
}
interface EventView {
  id: string;
  summary: string;
  rrule: string | null;
  public: boolean;
}
interface OccurrenceView {
  eventId: string;
  start: string;
  summary: string;
  recurring: boolean;
}

let server: TestServer;
let mailbox: Mailbox;
let client: TestClient;
let clubId: string;
let clubSlug: string;
let municipalityId: string;
let adminEmail: string;
let calendar: CalendarView;

before(async () => {
  mailbox = await startMailbox();
  server = await startTestServer({ webDist: null, env: { SMTP_URL: mailbox.url } });
  const { admin, club, municipality } = await createTestClub(server.ctx);
  clubId = club.id;
  clubSlug = club.slug;
  municipalityId = municipality.id;
  adminEmail = admin.email;
  client = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  const list = await client.get<CalendarView[]>(`/api/clubs/${clubId}/calendars`);
  assert.equal(list.status, 200);
  calendar = list.body[0]!;
});
after(async () => {
  await server.close();
  await mailbox.close();
});

const events = (path = '') => `/api/clubs/${clubId}/calendars/${calendar.id}/events${path}`;

test('the default calendar exists; a weekly event from the form is expanded and seen over CalDAV', async () => {
  assert.equal(calendar.slug, 'vereinskalender');
  assert.equal(calendar.name, 'Vereinskalender');
  assert.equal(calendar.access, 'write');
  const created = await client.post<EventView>(events(), {
    summary: 'Chorprobe',
    location: 'Bürgerhaus',
    start: '2026-05-06T17:00:00.000Z',
    end: '2026-05-06T19:00:00.000Z',
    allDay: false,
    rrule: 'FREQ=WEEKLY;COUNT=4',
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.rrule, 'FREQ=WEEKLY;COUNT=4');
  const range = await client.get<OccurrenceView[]>(
    `/api/clubs/${clubId}/calendar-events?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z`,
  );
  assert.equal(range.status, 200);
  const mine = range.body.filter((o) => o.eventId === created.body.id);
  assert.deepEqual(
    mine.map((o) => o.start),
    [
      '2026-05-06T17:00:00.000Z',
      '2026-05-13T17:00:00.000Z',
      '2026-05-20T17:00:00.000Z',
      '2026-05-27T17:00:00.000Z',
    ],
  );
  assert.ok(mine.every((o) => o.recurring && o.summary === 'Chorprobe'));

  const changed = await client.request<EventView>('PUT', events(`/${created.body.id}`), {
    json: {
      summary: 'Chorprobe (neu)',
      start: '2026-05-06T17:00:00.000Z',
      end: '2026-05-06T19:00:00.000Z',
      allDay: false,
      rrule: 'FREQ=WEEKLY;COUNT=2',
    },
  });
  assert.equal(changed.status, 200);
  const dav = await fetch(`${server.url}/dav/calendars/${clubSlug}/vereinskalender/`, {
    method: 'REPORT',
    headers: { authorization: basic(adminEmail, TEST_PASSWORD), depth: '1' },
    body:
      '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop>' +
      '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">' +
      '<C:time-range start="20260526T000000Z" end="20260601T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>',
  });
  // Two occurrences now: nothing left in the last week of May.
  assert.doesNotMatch(await dav.text(), /Chorprobe/);

  // Readers may not write.
  const reader = await createTestUser(server.ctx.db);
  assert.equal((await new TestClient(server.url).get(`/api/clubs/${clubId}/calendars`)).status, 401);
  const stranger = await loggedInClient(server.url, reader.email, TEST_PASSWORD);
  assert.equal((await stranger.get(`/api/clubs/${clubId}/calendars`)).status, 404);
  assert.equal((await client.delete(events(`/${created.body.id}`))).status, 204);
  assert.equal((await client.get(events(`/${created.body.id}`))).status, 404);
});

test('an invitation mails the event as an iCalendar attachment with METHOD:REQUEST', async () => {
  const created = await client.post<EventView>(events(), {
    summary: 'Jahreshauptversammlung',
    start: '2026-06-12T18:00:00.000Z',
    end: '2026-06-12T20:00:00.000Z',
    allDay: false,
  });
  const invited = await client.post<{ invited: number }>(events(`/${created.body.id}/invitations`), {
    emails: ['gast@example.org'],
  });
  assert.equal(invited.status, 202);
  const mail = await mailbox.nextMailTo('gast@example.org');
  assert.match(mail.subject, /Jahreshauptversammlung/);
  const part = findPart(parseMime(mail.raw), 'text/calendar');
  assert.ok(part, 'the mail has a text/calendar part');
  const ics = part.body.toString('utf8').replace(/\r?\n /g, '');
  assert.match(ics, /METHOD:REQUEST/);
  assert.match(ics, /SUMMARY:Jahreshauptversammlung/);
  assert.match(ics, /ATTENDEE[^:]*:mailto:gast@example.org/i);
  assert.match(ics, new RegExp(`ORGANIZER[^:]*:mailto:${adminEmail}`, 'i'));
  // The stored event lists the attendee too, without a METHOD.
  const stored = await server.ctx.calendars.objectById(
    await server.ctx.calendars.calendarById(await server.ctx.clubs.get(clubId), calendar.id),
    created.body.id,
  );
  assert.match(stored.ical, /gast@example.org/);
  assert.doesNotMatch(stored.ical, /METHOD/);
});

test('public events appear in the municipal calendar and feeds only after the club published them', async () => {
  const anonymous = new TestClient(server.url);
  const created = await client.post<EventView>(events(), {
    summary: 'Sommerfest',
    start: '2026-07-04T00:00:00.000Z',
    end: '2026-07-05T00:00:00.000Z',
    allDay: true,
  });
  const privateOne = await client.post<EventView>(events(), {
    summary: 'Vorstandssitzung',
    start: '2026-07-04T18:00:00.000Z',
    end: '2026-07-04T19:00:00.000Z',
    allDay: false,
  });
  assert.equal(privateOne.status, 201);
  const publicUrl = `/api/public/municipalities/${municipalityId}/club-events?from=2026-07-01T00:00:00Z&to=2026-08-01T00:00:00Z`;
  assert.deepEqual((await anonymous.get(publicUrl)).body, []);

  const published = await client.request<EventView>('PUT', events(`/${created.body.id}/public`), {
    json: { public: true },
  });
  assert.equal(published.status, 200);
  assert.equal(published.body.public, true);
  assert.equal(await server.ctx.publications.isPublished('calendar_event', created.body.id), true);
  const list = await anonymous.get<{ summary: string; allDay: boolean; clubSlug: string }[]>(publicUrl);
  assert.deepEqual(
    list.body.map((e) => [e.summary, e.allDay, e.clubSlug]),
    [['Sommerfest', true, clubSlug]],
  );
  for (const feedUrl of [
    `/api/public/municipalities/${municipalityId}/club-events.ics`,
    `/api/public/clubs/${clubSlug}/events.ics`,
  ]) {
    const feed = await anonymous.get(feedUrl);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^text\/calendar/);
    assert.match(feed.text, /SUMMARY:Sommerfest/);
    assert.doesNotMatch(feed.text, /Vorstandssitzung|Jahreshauptversammlung|ATTENDEE/);
  }
  await client.request('PUT', events(`/${created.body.id}/public`), { json: { public: false } });
  assert.deepEqual((await anonymous.get(publicUrl)).body, []);
  assert.doesNotMatch((await anonymous.get(`/api/public/clubs/${clubSlug}/events.ics`)).text, /Sommerfest/);
});
