// Sensor storage, second step (sensors-storage):
//
// - NOTIFY sensor_latest after every statement that can change an answer of GET /api/sensors/latest:
//   writes to sensor_latest (values), sensor_datastreams (units, deletions, new streams) and publications
//   (what anonymous readers see). Each server instance LISTENs and drops its cached answers (see
//   sensors/observations/latest-cache.ts). PostgreSQL delivers a notification only after the commit and
//   merges duplicates within a transaction, so readers never cache a state older than the notification.
//   Statement-level triggers: one pg_notify per statement, whatever the number of rows.
// - PostGIS on PostgreSQL when the server offers it (Debian: postgresql-15-postgis-3) and we may create
//   it; the SensorThings $filter then uses it for exact spatial relations. PGlite has no PostGIS: there
//   the filter keeps its own SQL geometry (sensors/sensorthings/filter-sql.ts). Without privileges the
//   migration goes on without it (a notice), so an operator may create the extension later.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function sensor_latest_notify() returns trigger language plpgsql as $fn$
    begin
      perform pg_notify('sensor_latest', '');
      return null;
    end
    $fn$;
    create trigger sensor_latest_notify after insert or update or delete or truncate on sensor_latest
      for each statement execute function sensor_latest_notify();
    create trigger sensor_latest_notify after insert or update or delete or truncate on sensor_datastreams
      for each statement execute function sensor_latest_notify();
    create trigger sensor_latest_notify after insert or update or delete or truncate on publications
      for each statement execute function sensor_latest_notify();
  `.execute(db);

  const available = await sql<{ ok: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'postgis') as ok`.execute(db);
  if (available.rows[0]?.ok) {
    await sql`
      do $do$ begin
        create extension if not exists postgis;
      exception when insufficient_privilege then
        raise notice 'PostGIS is installed but may not be created by this user: spatial filters use the fallback';
      end $do$;
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger sensor_latest_notify on sensor_latest;
    drop trigger sensor_latest_notify on sensor_datastreams;
    drop trigger sensor_latest_notify on publications;
    drop function sensor_latest_notify();
  `.execute(db);
  // PostGIS stays: other schemas may use it by now, and dropping it is the operator's decision.
}
