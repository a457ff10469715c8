// Club calendars: calendars per club (a default "Vereinskalender" appears on first use), calendar
// objects stored as iCalendar with indexed occurrence spans, a change log per calendar (sync tokens),
// invitations by e-mail and public events. CalDAV and the JSON API both call this service; it does not
// know which protocol asked.
import { createHash, randomUUID } from 'node:crypto';
import type ICAL from 'ical.js';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { Club, CloudCalendar, CloudCalendarObject } from '../../core/db/schema.js';
import { AppError, Errors } from '../../core/errors.js';
import type { NotificationService } from '../../core/notifications/index.js';
import type { PublicationService } from '../../core/publication/publication.service.js';
import { CalendarRepository, type Change } from './calendar.repository.js';
import {
  buildEvent,
  CalendarDataError,
  expand,
  feed,
  parseObject,
  type Occurrence,
  type ParsedObject,
  type SimpleEvent,
} from './ical.js';

export const DEFAULT_CALENDAR = { slug: 'vereinskalender', name: 'Vereinskalender' };
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const CalendarErrors = {
  preconditionFailed: () => new AppError('precondition_failed', 412, 'The resource has changed or exists'),
  calendarExists: () => new AppError('calendar_exists', 409, 'A calendar with this name exists'),
  badName: () =>
    new AppError('calendar_bad_name', 400, 'Names use letters, digits, dot, dash and underscore'),
  uidConflict: () =>
    new CalendarDataError('Another object in this calendar has the same UID', 'no-uid-conflict'),
};

export interface Preconditions {
  /** If-Match: the current ETag, or '*' for "exists". */
  ifMatch?: string | undefined;
  /** If-None-Match: '*' for "does not exist", or an ETag. */
  ifNoneMatch?: string | undefined;
}

export interface CalendarInput {
  slug: string;
  name: string;
  description?: string | null;
  color?: string | null;
}

export interface EventOccurrence extends Occurrence {
  objectId: string;
  calendarId: string;
  recurring: boolean;
  public: boolean;
}

const etagOf = (text: string) => `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;

function checkPreconditions(current: CloudCalendarObject | undefined, p: Preconditions): void {
  const matches = (list: string) =>
    list
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === '*' || (current !== undefined && t === current.etag));
  if (p.ifMatch !== undefined && (!current || !matches(p.ifMatch))) throw CalendarErrors.preconditionFailed();
  if (p.ifNoneMatch !== undefined && current && matches(p.ifNoneMatch))
    throw CalendarErrors.preconditionFailed();
}

export class CalendarService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly publications: PublicationService,
  ) {}

  private repository(executor: Database = this.db) {
    return new CalendarRepository(executor);
  }

  // Calendars

  /** The club's calendars; the default one is created on first use. */
  async calendars(club: Club): Promise<CloudCalendar[]> {
    const list = await this.repository().listCalendars(club.municipality_id, club.id);
    if (list.length > 0) return list;
    await this.repository().createCalendarIfMissing({
      municipalityId: club.municipality_id,
      clubId: club.id,
      slug: DEFAULT_CALENDAR.slug,
      name: DEFAULT_CALENDAR.name,
      description: null,
      color: null,
      createdBy: null,
    });
    return this.repository().listCalendars(club.municipality_id, club.id);
  }

  async calendar(club: Club, slug: string): Promise<CloudCalendar | undefined> {
    if (slug === DEFAULT_CALENDAR.slug) await this.calendars(club);
    return this.repository().findCalendar(club.municipality_id, club.id, slug);
  }

  async calendarById(club: Club, id: string): Promise<CloudCalendar> {
    const calendar = await this.repository().findCalendarById(club.municipality_id, id);
    if (!calendar || calendar.club_id !== club.id) throw Errors.notFound('Calendar');
    return calendar;
  }

  async createCalendar(club: Club, input: CalendarInput, actor: AuditActor): Promise<CloudCalendar> {
    if (!SLUG.test(input.slug)) throw CalendarErrors.badName();
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (await repository.findCalendar(club.municipality_id, club.id, input.slug))
        throw CalendarErrors.calendarExists();
      const calendar = await repository.createCalendar({
        municipalityId: club.municipality_id,
        clubId: club.id,
        slug: input.slug,
        name: input.name.trim() || input.slug,
        description: input.description ?? null,
        color: input.color ?? null,
        createdBy: actor.userId,
      });
      await this.audit.record(
        actor,
        {
          action: 'calendar.created',
          targetType: 'cloud_calendar',
          targetId: calendar.id,
          municipalityId: club.municipality_id,
          details: { clubId: club.id, slug: calendar.slug },
        },
        trx,
      );
      return calendar;
    });
  }

  async updateCalendar(
    club: Club,
    calendar: CloudCalendar,
    values: Partial<{ name: string; description: string | null; color: string | null }>,
    actor: AuditActor,
  ): Promise<CloudCalendar> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).updateCalendar(club.municipality_id, calendar.id, values);
      await this.audit.record(
        actor,
        {
          action: 'calendar.updated',
          targetType: 'cloud_calendar',
          targetId: calendar.id,
          municipalityId: club.municipality_id,
          details: { fields: Object.keys(values) },
        },
        trx,
      );
      return updated;
    });
  }

  async deleteCalendar(club: Club, calendar: CloudCalendar, actor: AuditActor): Promise<void> {
    const published = (await this.objects(calendar)).filter((o) => o.public);
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).deleteCalendar(club.municipality_id, calendar.id);
      await this.audit.record(
        actor,
        {
          action: 'calendar.deleted',
          targetType: 'cloud_calendar',
          targetId: calendar.id,
          municipalityId: club.municipality_id,
          details: { clubId: club.id, slug: calendar.slug },
        },
        trx,
      );
    });
    // Withdrawn after the commit (the publication service has its own transaction); public readers
    // join the objects, so a deleted event is never shown even before this runs.
    for (const object of published)
      await this.publications.unpublish(club.municipality_id, 'calendar_event', object.id, actor);
  }

  // Objects

  objects(calendar: CloudCalendar) {
    return this.repository().listObjects(calendar.municipality_id, calendar.id);
  }

  object(calendar: CloudCalendar, name: string) {
    return this.repository().findObject(calendar.municipality_id, calendar.id, name);
  }

  async objectById(calendar: CloudCalendar, id: string): Promise<CloudCalendarObject> {
    const object = await this.repository().findObjectById(calendar.municipality_id, id);
    if (!object || object.calendar_id !== calendar.id) throw Errors.notFound('Event');
    return object;
  }

  objectsByNames(calendar: CloudCalendar, names: string[]) {
    return this.repository().findObjectsByNames(calendar.municipality_id, calendar.id, names);
  }

  /** Objects with an occurrence in [from, to): the index narrows, ical.js decides. */
  async objectsInRange(calendar: CloudCalendar, from: Date | null, to: Date | null) {
    const candidates = await this.repository().listObjectsInRange(
      calendar.municipality_id,
      calendar.id,
      from,
      to,
    );
    return candidates;
  }

  /** Changes after a sync token's revision; null when the token is not one of this calendar's. */
  async changesSince(calendar: CloudCalendar, revision: number): Promise<Change[] | null> {
    if (revision > calendar.revision || revision < 0) return null;
    return this.repository().changesSince(calendar.municipality_id, calendar.id, revision);
  }

  /**
   * Creates or replaces a calendar object (CalDAV PUT). Validates the iCalendar text, keeps the UID
   * unique in the calendar, evaluates If-Match/If-None-Match against the current state in the same
   * transaction, logs the change for sync-collection.
   */
  async putObject(
    calendar: CloudCalendar,
    name: string,
    text: string,
    preconditions: Preconditions,
    actor: AuditActor,
  ): Promise<{ object: CloudCalendarObject; created: boolean }> {
    if (name === '' || name.length > 255 || name.includes('/')) throw CalendarErrors.badName();
    const parsed = parseObject(text);
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      // Taking the revision first locks the calendar row, so concurrent writes cannot race the checks.
      const revision = await repository.nextRevision(calendar.municipality_id, calendar.id);
      const current = await repository.findObject(calendar.municipality_id, calendar.id, name);
      checkPreconditions(current, preconditions);
      const sameUid = await repository.findObjectByUid(calendar.municipality_id, calendar.id, parsed.uid);
      if (sameUid && sameUid.name !== name) throw CalendarErrors.uidConflict();
      const values = {
        name,
        uid: parsed.uid,
        component: parsed.component,
        ical: text,
        etag: etagOf(text),
        summary: parsed.summary,
        firstStart: parsed.firstStart,
        lastEnd: parsed.lastEnd,
        recurring: parsed.recurring,
      };
      const object = current
        ? await repository.updateObject(calendar.municipality_id, current.id, values)
        : await repository.insertObject(calendar.municipality_id, calendar.id, values, actor.userId);
      await repository.logChange(calendar.id, revision, name, false);
      await this.audit.record(
        actor,
        {
          action: current ? 'calendar.event_updated' : 'calendar.event_created',
          targetType: 'cloud_calendar_object',
          targetId: object.id,
          municipalityId: calendar.municipality_id,
          details: { calendarId: calendar.id, uid: parsed.uid },
        },
        trx,
      );
      return { object, created: !current };
    });
  }

  async deleteObject(
    calendar: CloudCalendar,
    name: string,
    preconditions: Preconditions,
    actor: AuditActor,
  ): Promise<void> {
    const deleted = await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const revision = await repository.nextRevision(calendar.municipality_id, calendar.id);
      const current = await repository.findObject(calendar.municipality_id, calendar.id, name);
      if (!current) throw Errors.notFound('Event');
      checkPreconditions(current, preconditions);
      await repository.deleteObject(calendar.municipality_id, current.id);
      await repository.logChange(calendar.id, revision, name, true);
      await this.audit.record(
        actor,
        {
          action: 'calendar.event_deleted',
          targetType: 'cloud_calendar_object',
          targetId: current.id,
          municipalityId: calendar.municipality_id,
          details: { calendarId: calendar.id, uid: current.uid },
        },
        trx,
      );
      return current;
    });
    if (deleted.public)
      await this.publications.unpublish(calendar.municipality_id, 'calendar_event', deleted.id, actor);
  }

  // The web calendar

  /** Occurrences of the events of some calendars in [from, to), recurrence expanded. */
  async occurrences(calendars: CloudCalendar[], from: Date, to: Date): Promise<EventOccurrence[]> {
    const result: EventOccurrence[] = [];
    for (const calendar of calendars) {
      for (const object of await this.objectsInRange(calendar, from, to)) {
        if (object.component !== 'VEVENT') continue;
        for (const o of expand(parseObject(object.ical).calendar, from, to, 1000))
          result.push({
            ...o,
            objectId: object.id,
            calendarId: calendar.id,
            recurring: object.recurring,
            public: object.public,
          });
      }
    }
    return result.sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /** Creates or replaces an event from the web form; the object is named after its UID. */
  async saveEvent(
    calendar: CloudCalendar,
    existing: CloudCalendarObject | null,
    event: Omit<SimpleEvent, 'uid'>,
    actor: AuditActor,
  ): Promise<CloudCalendarObject> {
    if (event.end < event.start) throw Errors.validation('The event ends before it starts');
    const uid = existing?.uid ?? `${randomUUID()}@srp`;
    const text = existing ? replaceMaster(existing.ical, { uid, ...event }) : buildEvent({ uid, ...event });
    const { object } = await this.putObject(
      calendar,
      existing?.name ?? `${uid.replace(/[^A-Za-z0-9-]/g, '-')}.ics`,
      text,
      existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' },
      actor,
    );
    return object;
  }

  /** A club marks an event public: it is published (the one notion of "published") or withdrawn. */
  async setPublic(club: Club, object: CloudCalendarObject, isPublic: boolean, actor: AuditActor) {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).setPublic(club.municipality_id, object.id, isPublic);
    });
    if (isPublic) await this.publications.publish(club.municipality_id, 'calendar_event', object.id, actor);
    else await this.publications.unpublish(club.municipality_id, 'calendar_event', object.id, actor);
  }

  /**
   * Invites people by e-mail to an event: they become ATTENDEEs of the stored object and get a
   * METHOD:REQUEST iCalendar attachment that mail programs offer to add to their calendar.
   */
  async invite(
    club: Club,
    calendar: CloudCalendar,
    object: CloudCalendarObject,
    emails: string[],
    organizer: { email: string; name: string },
    actor: AuditActor,
  ): Promise<void> {
    const parsed = parseObject(object.ical);
    const stored = withAttendees(parsed, emails, organizer, null);
    await this.putObject(calendar, object.name, stored, { ifMatch: object.etag }, actor);
    const request = withAttendees(parseObject(stored), [], organizer, 'REQUEST');
    const summary = parsed.summary ?? club.name;
    const first = expand(parsed.calendar, null, null, 1)[0];
    const when = first ? first.start.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '';
    for (const email of emails)
      await this.notifications.sendEmail(
        {
          to: email,
          subject: `Einladung: ${summary}`,
          text:
            `${organizer.name} (${club.name}) lädt Sie ein: ${summary}${when ? `, ${when}` : ''}.\n\n` +
            `Invitation from ${organizer.name} (${club.name}): ${summary}.\n` +
            'Der Termin ist als Kalenderdatei angehängt. / The event is attached as a calendar file.\n',
          attachments: [
            {
              filename: 'einladung.ics',
              content: Buffer.from(request),
              contentType: 'text/calendar; method=REQUEST; charset=utf-8',
            },
          ],
        },
        { municipalityId: club.municipality_id },
      );
  }

  // Public events

  async publicOccurrences(municipalityId: string, clubId: string | null, from: Date, to: Date) {
    const objects = await this.repository().listPublished(municipalityId, clubId, from, to);
    return objects.flatMap((object) =>
      expand(parseObject(object.ical).calendar, from, to, 500).map((o) => ({
        ...o,
        objectId: object.id,
        clubName: object.club_name,
        clubSlug: object.club_slug,
      })),
    );
  }

  /** A subscribable feed of published events (a year back, two years ahead). */
  async publicFeed(municipalityId: string, clubId: string | null, name: string): Promise<string> {
    const now = Date.now();
    const objects = await this.repository().listPublished(
      municipalityId,
      clubId,
      new Date(now - 365 * 86_400_000),
      new Date(now + 2 * 365 * 86_400_000),
    );
    return feed(
      name,
      objects.map((o) => o.ical),
    );
  }
}

/** Replaces the master VEVENT's editable fields (keeping overrides, alarms and other properties). */
function replaceMaster(text: string, event: SimpleEvent): string {
  const fresh = parseObject(buildEvent(event)).calendar.getFirstSubcomponent('vevent')!;
  const parsed = parseObject(text);
  const master = parsed.calendar.getAllSubcomponents('vevent').find((c) => !c.hasProperty('recurrence-id'));
  if (!master) return buildEvent(event);
  for (const name of [
    'dtstart',
    'dtend',
    'duration',
    'summary',
    'description',
    'location',
    'rrule',
    'exdate',
    'dtstamp',
  ])
    master.removeAllProperties(name);
  // Copied first: adding a property to the master takes it out of `fresh`.
  for (const property of [...fresh.getAllProperties()])
    if (property.name !== 'uid') master.addProperty(property);
  bumpSequence(master);
  return parsed.calendar.toString();
}

function bumpSequence(component: ICAL.Component) {
  const sequence = Number(component.getFirstPropertyValue('sequence') ?? 0);
  component.updatePropertyWithValue('sequence', sequence + 1);
}

function withAttendees(
  parsed: ParsedObject,
  emails: string[],
  organizer: { email: string; name: string },
  method: 'REQUEST' | null,
): string {
  const calendar = parsed.calendar;
  if (method) calendar.updatePropertyWithValue('method', method);
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    if (!vevent.hasProperty('organizer')) {
      const property = vevent.addPropertyWithValue('organizer', `mailto:${organizer.email}`);
      property.setParameter('cn', organizer.name);
    }
    const known = new Set(
      vevent.getAllProperties('attendee').map((p) => String(p.getFirstValue()).toLowerCase()),
    );
    for (const email of emails) {
      if (known.has(`mailto:${email.toLowerCase()}`)) continue;
      const property = vevent.addPropertyWithValue('attendee', `mailto:${email}`);
      property.setParameter('partstat', 'NEEDS-ACTION');
      property.setParameter('rsvp', 'TRUE');
    }
  }
  return calendar.toString();
}
