// Club calendars (CalDAV and the web calendar): calendars per club, calendar objects stored as the
// iCalendar text the client sent plus indexed columns for time-range queries, and a change log per
// calendar whose revision numbers are the RFC 6578 sync tokens (and the getctag).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cloud_calendars (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      slug text not null check (slug ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
      name text not null,
      description text,
      color text,
      revision bigint not null default 0,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (club_id, slug)
    );
    create index cloud_calendars_municipality on cloud_calendars(municipality_id);

    create table cloud_calendar_objects (
      id uuid primary key default gen_random_uuid(),
      calendar_id uuid not null references cloud_calendars(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      name text not null,
      uid text not null,
      component text not null check (component in ('VEVENT', 'VTODO', 'VJOURNAL')),
      ical text not null,
      etag text not null,
      summary text,
      -- The span of all occurrences (recurrence expanded); last_end null when the rule never ends.
      first_start timestamptz,
      last_end timestamptz,
      recurring boolean not null default false,
      public boolean not null default false,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      modified_at timestamptz not null default now(),
      unique (calendar_id, name),
      unique (calendar_id, uid)
    );
    create index cloud_calendar_objects_range on cloud_calendar_objects(calendar_id, first_start, last_end);
    create index cloud_calendar_objects_public on cloud_calendar_objects(municipality_id) where public;

    create table cloud_calendar_changes (
      calendar_id uuid not null references cloud_calendars(id) on delete cascade,
      revision bigint not null,
      name text not null,
      deleted boolean not null,
      changed_at timestamptz not null default now(),
      primary key (calendar_id, revision)
    );
    create index cloud_calendar_changes_name on cloud_calendar_changes(calendar_id, name, revision);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table cloud_calendar_changes, cloud_calendar_objects, cloud_calendars`.execute(db);
}
