// Calendar service on the database: occurrence spans in the indexed columns (recurrences, endless
// rules), the change log behind sync tokens, UID uniqueness, tenant isolation and public events.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../../test-support/factories.js';
import { CalendarRepository } from './calendar.repository.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(parseConfig({ NODE_ENV: 'test' }), handle);
const actor = systemActor('test');

async function activeClub() {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality, roles: ['club_admin'] });
  const club = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name: 'SV Kalender',
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('kal'),
    },
    admin.id,
    actor,
  );
  const active = await ctx.clubs.decide(club, true, null, actor);
  const [calendar] = await ctx.calendars.calendars(active);
  return { municipality, club: active, calendar: calendar! };
}

const event = (uid: string, lines: string[]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//t//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

test('the span of a recurring event is indexed; an endless rule has no end', async () => {
  const { calendar } = await activeClub();
  const { object: counted } = await ctx.calendars.putObject(
    calendar,
    'counted.ics',
    event('counted', ['DTSTART:20260105T170000Z', 'DTEND:20260105T180000Z', 'RRULE:FREQ=DAILY;COUNT=3']),
    {},
    actor,
  );
  assert.equal(counted.first_start?.toISOString(), '2026-01-05T17:00:00.000Z');
  assert.equal(counted.last_end?.toISOString(), '2026-01-07T18:00:00.000Z');
  assert.equal(counted.recurring, true);
  const { object: endless } = await ctx.calendars.putObject(
    calendar,
    'endless.ics',
    event('endless', ['DTSTART:20260105T170000Z', 'DTEND:20260105T180000Z', 'RRULE:FREQ=WEEKLY']),
    {},
    actor,
  );
  assert.equal(endless.last_end, null);
  const inRange = await ctx.calendars.objectsInRange(
    calendar,
    new Date('2030-01-01'),
    new Date('2030-02-01'),
  );
  assert.deepEqual(
    inRange.map((o) => o.name),
    ['endless.ics'],
  );
  const occurrences = await ctx.calendars.occurrences(
    [calendar],
    new Date('2026-01-06T00:00:00Z'),
    new Date('2026-01-13T00:00:00Z'),
  );
  assert.deepEqual(
    occurrences.map((o) => `${o.start.toISOString()} ${o.objectId === counted.id ? 'counted' : 'endless'}`),
    [
      '2026-01-06T17:00:00.000Z counted',
      '2026-01-07T17:00:00.000Z counted',
      '2026-01-12T17:00:00.000Z endless',
    ],
  );
});

test('every write takes a revision; changes since a revision name the latest state of each object', async () => {
  const { club, calendar } = await activeClub();
  const start = (await ctx.calendars.calendar(club, calendar.slug))!.revision;
  await ctx.calendars.putObject(calendar, 'a.ics', event('a', ['DTSTART:20260301T100000Z']), {}, actor);
  await ctx.calendars.putObject(calendar, 'b.ics', event('b', ['DTSTART:20260301T100000Z']), {}, actor);
  await ctx.calendars.putObject(calendar, 'a.ics', event('a', ['DTSTART:20260302T100000Z']), {}, actor);
  await ctx.calendars.deleteObject(calendar, 'b.ics', {}, actor);
  const now = (await ctx.calendars.calendar(club, calendar.slug))!;
  assert.equal(now.revision, start + 4);
  const changes = await ctx.calendars.changesSince(now, start);
  assert.deepEqual(changes?.map((c) => [c.name, c.deleted]).sort(), [
    ['a.ics', false],
    ['b.ics', true],
  ]);
  assert.equal(await ctx.calendars.changesSince(now, now.revision + 1), null);
  await assert.rejects(
    ctx.calendars.putObject(calendar, 'c.ics', event('a', ['DTSTART:20260301T100000Z']), {}, actor),
    /same UID/,
  );
  await assert.rejects(
    ctx.calendars.putObject(
      calendar,
      'a.ics',
      event('a', ['DTSTART:20260301T100000Z']),
      { ifNoneMatch: '*' },
      actor,
    ),
    (error: { status?: number }) => error.status === 412,
  );
});

test("another municipality's query never sees a calendar; public events need publishing", async () => {
  const { municipality, club, calendar } = await activeClub();
  const other = await createTestTenant(handle.db);
  const repository = new CalendarRepository(handle.db);
  assert.equal(await repository.findCalendarById(other.municipality.id, calendar.id), undefined);
  const { object } = await ctx.calendars.putObject(
    calendar,
    'fest.ics',
    event('fest', ['DTSTART;VALUE=DATE:20260704', 'SUMMARY:Fest']),
    {},
    actor,
  );
  const range = [new Date('2026-07-01'), new Date('2026-08-01')] as const;
  assert.equal((await ctx.calendars.publicOccurrences(municipality.id, null, ...range)).length, 0);
  await ctx.calendars.setPublic(club, object, true, actor);
  const shown = await ctx.calendars.publicOccurrences(municipality.id, null, ...range);
  assert.deepEqual(
    shown.map((o) => [o.summary, o.allDay, o.start.toISOString()]),
    [['Fest', true, '2026-07-04T00:00:00.000Z']],
  );
  assert.equal((await ctx.calendars.publicOccurrences(other.municipality.id, null, ...range)).length, 0);
  // Marked public but withdrawn from publication: not shown.
  await ctx.publications.unpublish(municipality.id, 'calendar_event', object.id, actor);
  assert.equal((await ctx.calendars.publicOccurrences(municipality.id, null, ...range)).length, 0);
});
