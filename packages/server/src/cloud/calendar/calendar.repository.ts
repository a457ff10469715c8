// SQL for club calendars, their objects and change log. Every read takes the municipality (the club's
// seat) as well as the calendar, so one tenant's rows never answer another's query.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { CalendarComponent, CloudCalendar, CloudCalendarObject } from '../../core/db/schema.js';
import { publishedIdsQuery } from '../../core/publication/publication.repository.js';

export interface ObjectValues {
  name: string;
  uid: string;
  component: CalendarComponent;
  ical: string;
  etag: string;
  summary: string | null;
  firstStart: Date | null;
  lastEnd: Date | null;
  recurring: boolean;
}

export interface Change {
  name: string;
  deleted: boolean;
  revision: number;
}

export interface NewCalendar {
  municipalityId: string;
  clubId: string;
  slug: string;
  name: string;
  description: string | null;
  color: string | null;
  createdBy: string | null;
}

const calendarRow = (values: NewCalendar) => ({
  municipality_id: values.municipalityId,
  club_id: values.clubId,
  slug: values.slug,
  name: values.name,
  description: values.description,
  color: values.color,
  created_by: values.createdBy,
});

export class CalendarRepository {
  constructor(private readonly db: Database) {}

  listCalendars(municipalityId: string, clubId: string): Promise<CloudCalendar[]> {
    return this.db
      .selectFrom('cloud_calendars')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('club_id', '=', clubId)
      .orderBy('created_at')
      .orderBy('slug')
      .execute();
  }

  findCalendar(municipalityId: string, clubId: string, slug: string): Promise<CloudCalendar | undefined> {
    return this.db
      .selectFrom('cloud_calendars')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('club_id', '=', clubId)
      .where('slug', '=', slug)
      .executeTakeFirst();
  }

  findCalendarById(municipalityId: string, id: string): Promise<CloudCalendar | undefined> {
    return this.db
      .selectFrom('cloud_calendars')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  createCalendar(values: NewCalendar): Promise<CloudCalendar> {
    return this.db
      .insertInto('cloud_calendars')
      .values(calendarRow(values))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Creates the calendar unless one with the slug exists (concurrent first visits). */
  async createCalendarIfMissing(values: NewCalendar): Promise<void> {
    await this.db
      .insertInto('cloud_calendars')
      .values(calendarRow(values))
      .onConflict((oc) => oc.columns(['club_id', 'slug']).doNothing())
      .execute();
  }

  updateCalendar(
    municipalityId: string,
    id: string,
    values: Partial<{ name: string; description: string | null; color: string | null }>,
  ): Promise<CloudCalendar> {
    return this.db
      .updateTable('cloud_calendars')
      .set({ ...values, updated_at: new Date() })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async deleteCalendar(municipalityId: string, id: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_calendars')
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .execute();
  }

  /** Takes the next revision of a calendar (row lock: changes of one calendar are serialised). */
  async nextRevision(municipalityId: string, calendarId: string): Promise<number> {
    const row = await this.db
      .updateTable('cloud_calendars')
      .set({ revision: sql<number>`revision + 1`, updated_at: new Date() })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', calendarId)
      .returning('revision')
      .executeTakeFirstOrThrow();
    return row.revision;
  }

  async logChange(calendarId: string, revision: number, name: string, deleted: boolean): Promise<void> {
    await this.db
      .insertInto('cloud_calendar_changes')
      .values({ calendar_id: calendarId, revision, name, deleted })
      .execute();
  }

  /** The latest change of every resource changed after a revision. */
  async changesSince(municipalityId: string, calendarId: string, revision: number): Promise<Change[]> {
    const rows = await this.db
      .selectFrom('cloud_calendar_changes as c')
      .innerJoin('cloud_calendars as k', 'k.id', 'c.calendar_id')
      .select(['c.name', 'c.deleted', 'c.revision'])
      .where('k.municipality_id', '=', municipalityId)
      .where('c.calendar_id', '=', calendarId)
      .where('c.revision', '>', revision)
      .orderBy('c.revision')
      .execute();
    const latest = new Map<string, Change>();
    for (const row of rows) latest.set(row.name, row);
    return [...latest.values()];
  }

  listObjects(municipalityId: string, calendarId: string): Promise<CloudCalendarObject[]> {
    return this.db
      .selectFrom('cloud_calendar_objects')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('calendar_id', '=', calendarId)
      .orderBy('name')
      .execute();
  }

  /** Objects that may overlap [from, to): the index prefilter; callers check occurrences exactly. */
  listObjectsInRange(
    municipalityId: string,
    calendarId: string,
    from: Date | null,
    to: Date | null,
  ): Promise<CloudCalendarObject[]> {
    let query = this.db
      .selectFrom('cloud_calendar_objects')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('calendar_id', '=', calendarId);
    if (to) query = query.where((eb) => eb.or([eb('first_start', 'is', null), eb('first_start', '<', to)]));
    if (from) query = query.where((eb) => eb.or([eb('last_end', 'is', null), eb('last_end', '>=', from)]));
    return query.orderBy('first_start').execute();
  }

  findObject(
    municipalityId: string,
    calendarId: string,
    name: string,
  ): Promise<CloudCalendarObject | undefined> {
    return this.db
      .selectFrom('cloud_calendar_objects')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('calendar_id', '=', calendarId)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  findObjectById(municipalityId: string, id: string): Promise<CloudCalendarObject | undefined> {
    return this.db
      .selectFrom('cloud_calendar_objects')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findObjectsByNames(municipalityId: string, calendarId: string, names: string[]) {
    if (names.length === 0) return Promise.resolve([] as CloudCalendarObject[]);
    return this.db
      .selectFrom('cloud_calendar_objects')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('calendar_id', '=', calendarId)
      .where('name', 'in', names)
      .execute();
  }

  findObjectByUid(municipalityId: string, calendarId: string, uid: string) {
    return this.db
      .selectFrom('cloud_calendar_objects')
      .select(['id', 'name'])
      .where('municipality_id', '=', municipalityId)
      .where('calendar_id', '=', calendarId)
      .where('uid', '=', uid)
      .executeTakeFirst();
  }

  insertObject(
    municipalityId: string,
    calendarId: string,
    values: ObjectValues,
    createdBy: string | null,
  ): Promise<CloudCalendarObject> {
    return this.db
      .insertInto('cloud_calendar_objects')
      .values({
        municipality_id: municipalityId,
        calendar_id: calendarId,
        name: values.name,
        uid: values.uid,
        component: values.component,
        ical: values.ical,
        etag: values.etag,
        summary: values.summary,
        first_start: values.firstStart,
        last_end: values.lastEnd,
        recurring: values.recurring,
        created_by: createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  updateObject(municipalityId: string, id: string, values: ObjectValues): Promise<CloudCalendarObject> {
    return this.db
      .updateTable('cloud_calendar_objects')
      .set({
        uid: values.uid,
        component: values.component,
        ical: values.ical,
        etag: values.etag,
        summary: values.summary,
        first_start: values.firstStart,
        last_end: values.lastEnd,
        recurring: values.recurring,
        modified_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async setPublic(municipalityId: string, id: string, isPublic: boolean): Promise<void> {
    await this.db
      .updateTable('cloud_calendar_objects')
      .set({ public: isPublic })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .execute();
  }

  async deleteObject(municipalityId: string, id: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_calendar_objects')
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Public events of a municipality (optionally one club) that may overlap a range: marked public by
   * the club and published through the one publication table; filtered in SQL.
   */
  listPublished(
    municipalityId: string,
    clubId: string | null,
    from: Date,
    to: Date,
  ): Promise<(CloudCalendarObject & { club_name: string; club_slug: string })[]> {
    let query = this.db
      .selectFrom('cloud_calendar_objects as o')
      .innerJoin('cloud_calendars as k', 'k.id', 'o.calendar_id')
      .innerJoin('clubs as c', 'c.id', 'k.club_id')
      .selectAll('o')
      .select(['c.name as club_name', 'c.slug as club_slug'])
      .where('o.municipality_id', '=', municipalityId)
      .where('o.public', '=', true)
      .where('c.status', '=', 'active')
      .where(sql<string>`o.id::text`, 'in', publishedIdsQuery(this.db, 'calendar_event'))
      .where((eb) => eb.or([eb('o.first_start', 'is', null), eb('o.first_start', '<', to)]))
      .where((eb) => eb.or([eb('o.last_end', 'is', null), eb('o.last_end', '>=', from)]));
    if (clubId) query = query.where('k.club_id', '=', clubId);
    return query.orderBy('o.first_start').limit(2000).execute();
  }
}
