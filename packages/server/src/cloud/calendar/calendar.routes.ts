// JSON API of club calendars for the web calendar (occurrences, simple event form, public flag,
// invitations) and the public side: a municipality's published club events and subscribable iCal
// feeds. Thin handlers: schema → principal → calendarPolicy → CalendarService → presenter.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal, type Principal } from '../../core/auth/principal.js';
import type { Club, CloudCalendar, CloudCalendarObject, FileAccess } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { calendarPolicy } from './calendar.policy.js';
import { parseObject, simpleEventOf, type Occurrence } from './ical.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Occurrences are listed for at most this long a range (a year and a bit, for the list view). */
const MAX_RANGE_MS = 400 * 86_400_000;

const CalendarView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  color: Nullable(Type.String()),
  davUrl: Type.String(),
  access: Type.Enum(['none', 'read', 'write']),
});
const OccurrenceView = Type.Object({
  eventId: Type.String(),
  calendarId: Type.String(),
  start: Type.String(),
  end: Type.String(),
  allDay: Type.Boolean(),
  recurrenceId: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  location: Nullable(Type.String()),
  description: Nullable(Type.String()),
  recurring: Type.Boolean(),
  public: Type.Boolean(),
});
const EventView = Type.Object({
  id: Type.String(),
  calendarId: Type.String(),
  summary: Type.String(),
  description: Nullable(Type.String()),
  location: Nullable(Type.String()),
  start: Type.String(),
  end: Type.String(),
  allDay: Type.Boolean(),
  rrule: Nullable(Type.String()),
  public: Type.Boolean(),
  /** false for objects the form cannot edit (tasks, or events without a master). */
  editable: Type.Boolean(),
});
const EventInput = Type.Object(
  {
    summary: Type.String({ minLength: 1, maxLength: 500 }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
    location: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    allDay: Type.Boolean({ default: false }),
    rrule: Type.Optional(
      Nullable(Type.String({ maxLength: 500, pattern: '^FREQ=[A-Z]+(;[A-Z-]+=[A-Za-z0-9,+-]+)*$' })),
    ),
  },
  { additionalProperties: false },
);
const PublicOccurrenceView = Type.Object({
  eventId: Type.String(),
  clubName: Type.String(),
  clubSlug: Type.String(),
  start: Type.String(),
  end: Type.String(),
  allDay: Type.Boolean(),
  summary: Nullable(Type.String()),
  location: Nullable(Type.String()),
  description: Nullable(Type.String()),
});
const Range = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
});
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const EventParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  calendarId: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
});
const CalendarParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  calendarId: Type.String({ format: 'uuid' }),
});

function rangeOf(query: { from: string; to: string }) {
  const from = new Date(query.from);
  const to = new Date(query.to);
  if (!(to > from) || to.getTime() - from.getTime() > MAX_RANGE_MS)
    throw Errors.validation('The range must end after it starts and span at most 400 days');
  return { from, to };
}

const presentOccurrence = (o: Occurrence) => ({
  start: o.start.toISOString(),
  end: o.end.toISOString(),
  allDay: o.allDay,
  summary: o.summary,
  location: o.location,
  description: o.description,
});

export function calendarRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const calendars = ctx.calendars;

  const presentCalendar = (club: Club, calendar: CloudCalendar, access: FileAccess) => ({
    id: calendar.id,
    slug: calendar.slug,
    name: calendar.name,
    description: calendar.description,
    color: calendar.color,
    davUrl: `${ctx.config.PUBLIC_URL}/dav/calendars/${club.slug}/${calendar.slug}/`,
    access,
  });

  function presentEvent(object: CloudCalendarObject) {
    const simple = object.component === 'VEVENT' ? simpleEventOf(parseObject(object.ical)) : null;
    return {
      id: object.id,
      calendarId: object.calendar_id,
      summary: simple?.summary ?? object.summary ?? '',
      description: simple?.description ?? null,
      location: simple?.location ?? null,
      start: (simple?.start ?? object.first_start ?? object.created_at).toISOString(),
      end: (simple?.end ?? object.first_start ?? object.created_at).toISOString(),
      allDay: simple?.allDay ?? false,
      rrule: simple?.rrule ?? null,
      public: object.public,
      editable: simple !== null,
    };
  }

  /** A club the principal belongs to with its calendar right; others are not found. */
  async function memberClub(principal: Principal, clubId: string) {
    const club = await ctx.clubs.get(clubId);
    const membership = await ctx.clubs.membership(club.id, principal.userId);
    if (!calendarPolicy.mayRead(club, membership)) throw Errors.notFound('Club');
    return { club, membership, access: calendarPolicy.access(club, membership) };
  }

  async function writableEvent(
    principal: Principal,
    params: { clubId: string; calendarId: string; eventId: string },
  ) {
    const { club, membership } = await memberClub(principal, params.clubId);
    if (!calendarPolicy.mayWrite(club, membership)) throw Errors.forbidden('You may only read this calendar');
    const calendar = await calendars.calendarById(club, params.calendarId);
    const object = await calendars.objectById(calendar, params.eventId);
    return { club, membership, calendar, object };
  }

  const eventOf = (body: Type.Static<typeof EventInput>) => ({
    summary: body.summary,
    description: body.description ?? null,
    location: body.location ?? null,
    start: new Date(body.start),
    end: new Date(body.end),
    allDay: body.allDay,
    rrule: body.rrule ?? null,
    exdates: [],
  });

  return async (app) => {
    app.get(
      '/api/clubs/:clubId/calendars',
      {
        schema: {
          tags: ['cloud'],
          summary: "The club's calendars (a default one is created on first use)",
          params: ClubParams,
          response: { 200: Type.Array(CalendarView), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, access } = await memberClub(principal, request.params.clubId);
        return (await calendars.calendars(club)).map((c) => presentCalendar(club, c, access));
      },
    );

    app.post(
      '/api/clubs/:clubId/calendars',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Create a calendar (members with write access)',
          params: ClubParams,
          body: Type.Object(
            {
              slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
              name: Type.String({ minLength: 1, maxLength: 200 }),
              color: Type.Optional(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: CalendarView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership, access } = await memberClub(principal, request.params.clubId);
        if (!calendarPolicy.mayManageCalendars(club, membership)) throw Errors.forbidden();
        const calendar = await calendars.createCalendar(
          club,
          { slug: request.body.slug, name: request.body.name, color: request.body.color ?? null },
          actorOf(principal, request),
        );
        return reply.status(201).send(presentCalendar(club, calendar, access));
      },
    );

    app.get(
      '/api/clubs/:clubId/calendar-events',
      {
        schema: {
          tags: ['cloud'],
          summary: "Occurrences of the club's events in a range, recurrences expanded",
          params: ClubParams,
          querystring: Range,
          response: { 200: Type.Array(OccurrenceView), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club } = await memberClub(principal, request.params.clubId);
        const { from, to } = rangeOf(request.query);
        const occurrences = await calendars.occurrences(await calendars.calendars(club), from, to);
        return occurrences.map((o) => ({
          ...presentOccurrence(o),
          eventId: o.objectId,
          calendarId: o.calendarId,
          recurrenceId: o.recurrenceId?.toISOString() ?? null,
          recurring: o.recurring,
          public: o.public,
        }));
      },
    );

    app.get(
      '/api/clubs/:clubId/calendars/:calendarId/events/:eventId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'One event as the web form edits it',
          params: EventParams,
          response: { 200: EventView, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club } = await memberClub(principal, request.params.clubId);
        const calendar = await calendars.calendarById(club, request.params.calendarId);
        return presentEvent(await calendars.objectById(calendar, request.params.eventId));
      },
    );

    app.post(
      '/api/clubs/:clubId/calendars/:calendarId/events',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Create an event (optionally recurring with an RRULE)',
          params: CalendarParams,
          body: EventInput,
          response: { 201: EventView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await memberClub(principal, request.params.clubId);
        if (!calendarPolicy.mayWrite(club, membership))
          throw Errors.forbidden('You may only read this calendar');
        const calendar = await calendars.calendarById(club, request.params.calendarId);
        const object = await calendars.saveEvent(
          calendar,
          null,
          eventOf(request.body),
          actorOf(principal, request),
        );
        return reply.status(201).send(presentEvent(object));
      },
    );

    app.put(
      '/api/clubs/:clubId/calendars/:calendarId/events/:eventId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Change an event (alarms, exceptions and other properties are kept)',
          params: EventParams,
          body: EventInput,
          response: { 200: EventView, ...errorResponses(400, 401, 403, 404, 412) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { calendar, object } = await writableEvent(principal, request.params);
        const saved = await calendars.saveEvent(
          calendar,
          object,
          eventOf(request.body),
          actorOf(principal, request),
        );
        return presentEvent(saved);
      },
    );

    app.delete(
      '/api/clubs/:clubId/calendars/:calendarId/events/:eventId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Delete an event with all its occurrences',
          params: EventParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { calendar, object } = await writableEvent(principal, request.params);
        await calendars.deleteObject(calendar, object.name, {}, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    app.put(
      '/api/clubs/:clubId/calendars/:calendarId/events/:eventId/public',
      {
        schema: {
          tags: ['cloud'],
          summary: "Publish an event in the municipality's public calendar and feeds, or withdraw it",
          params: EventParams,
          body: Type.Object({ public: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: EventView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership, calendar, object } = await writableEvent(principal, request.params);
        if (!calendarPolicy.mayPublish(club, membership)) throw Errors.forbidden();
        await calendars.setPublic(club, object, request.body.public, actorOf(principal, request));
        return presentEvent(await calendars.objectById(calendar, object.id));
      },
    );

    app.post(
      '/api/clubs/:clubId/calendars/:calendarId/events/:eventId/invitations',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Invite people by e-mail; they get the event as an iCalendar attachment (METHOD:REQUEST)',
          params: EventParams,
          body: Type.Object(
            {
              emails: Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
                minItems: 1,
                maxItems: 50,
              }),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ invited: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, calendar, object } = await writableEvent(principal, request.params);
        const emails = [...new Set(request.body.emails.map((e) => e.toLowerCase()))];
        await calendars.invite(
          club,
          calendar,
          object,
          emails,
          { email: principal.email, name: principal.displayName },
          actorOf(principal, request),
        );
        return reply.status(202).send({ invited: emails.length });
      },
    );

    // Public

    app.get(
      '/api/public/municipalities/:municipalityId/club-events',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Published club events of a municipality in a range (the public event calendar)',
          params: Type.Object({ municipalityId: Type.String({ format: 'uuid' }) }),
          querystring: Range,
          response: { 200: Type.Array(PublicOccurrenceView), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const municipality = await ctx.tenancy.municipality(request.params.municipalityId);
        const { from, to } = rangeOf(request.query);
        const occurrences = await calendars.publicOccurrences(municipality.id, null, from, to);
        return occurrences
          .sort((a, b) => a.start.getTime() - b.start.getTime())
          .map((o) => ({
            ...presentOccurrence(o),
            eventId: o.objectId,
            clubName: o.clubName,
            clubSlug: o.clubSlug,
          }));
      },
    );

    app.get(
      '/api/public/municipalities/:municipalityId/club-events.ics',
      {
        schema: {
          tags: ['cloud'],
          summary: "Subscribable iCalendar feed of a municipality's published club events",
          params: Type.Object({ municipalityId: Type.String({ format: 'uuid' }) }),
          response: { 200: Type.String(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const municipality = await ctx.tenancy.municipality(request.params.municipalityId);
        const body = await calendars.publicFeed(municipality.id, null, `Vereinstermine ${municipality.name}`);
        return reply.type('text/calendar; charset=utf-8').send(body);
      },
    );

    app.get(
      '/api/public/clubs/:slug/events.ics',
      {
        schema: {
          tags: ['cloud'],
          summary: "Subscribable iCalendar feed of one club's published events",
          params: Type.Object({ slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }) }),
          response: { 200: Type.String(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const club = await ctx.clubs.bySlug(request.params.slug);
        if (club.status !== 'active') throw Errors.notFound('Club');
        const body = await calendars.publicFeed(club.municipality_id, club.id, club.name);
        return reply.type('text/calendar; charset=utf-8').send(body);
      },
    );
  };
}
