// The latest-values notifications name what changed (sensors/observations/latest-cache.ts), so that a
// cached answer re-reads those Datastreams only instead of all of them:
// - sensor_latest and sensor_multi_latest NOTIFY 'sensor_latest' with `d:<ids>` / `m:<ids>` (comma-
//   separated) of the rows a statement inserted or updated, and nothing when it changed none. Transition
//   tables, so still one notification per statement. Past 7,900 bytes the payload (at most 8,000) is
//   empty, which makes every cached answer be built anew; deletions say nothing more either.
// - The streams' tables notify only for what an answer shows: new and removed streams, their municipality
//   and unit. Storing Observations widens a stream's time extents and observedArea in the same
//   statement; that used to empty every cached answer with each batch.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function sensor_latest_notify_changed() returns trigger language plpgsql as $fn$
    declare
      payload text;
    begin
      if tg_table_name = 'sensor_latest' then
        select 'd:' || string_agg(distinct datastream_id::text, ',') into payload from changed_rows;
      else
        select 'm:' || string_agg(distinct multi_datastream_id::text, ',') into payload from changed_rows;
      end if;
      if payload is not null then
        perform pg_notify('sensor_latest', case when length(payload) <= 7900 then payload else '' end);
      end if;
      return null;
    end
    $fn$;
  `.execute(db);
  for (const table of ['sensor_latest', 'sensor_multi_latest'])
    await sql`
      drop trigger sensor_latest_notify on ${sql.table(table)};
      create trigger sensor_latest_inserted after insert on ${sql.table(table)} referencing new table as changed_rows
        for each statement execute function sensor_latest_notify_changed();
      create trigger sensor_latest_updated after update on ${sql.table(table)} referencing new table as changed_rows
        for each statement execute function sensor_latest_notify_changed();
      create trigger sensor_latest_notify after delete or truncate on ${sql.table(table)}
        for each statement execute function sensor_latest_notify();
    `.execute(db);
  for (const [table, unit] of [
    ['sensor_datastreams', 'unit_of_measurement'],
    ['sensor_multi_datastreams', 'unit_of_measurements'],
  ] as const)
    await sql`
      drop trigger sensor_latest_notify on ${sql.table(table)};
      create trigger sensor_latest_notify after insert or delete or truncate on ${sql.table(table)}
        for each statement execute function sensor_latest_notify();
      create trigger sensor_latest_updated after update of municipality_id, ${sql.ref(unit)} on ${sql.table(table)}
        for each statement execute function sensor_latest_notify();
    `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger sensor_latest_inserted on sensor_latest;
    drop trigger sensor_latest_updated on sensor_latest;
    drop trigger sensor_latest_inserted on sensor_multi_latest;
    drop trigger sensor_latest_updated on sensor_multi_latest;
    drop trigger sensor_latest_updated on sensor_datastreams;
    drop trigger sensor_latest_updated on sensor_multi_datastreams;
    drop function sensor_latest_notify_changed();
  `.execute(db);
  for (const table of [
    'sensor_latest',
    'sensor_multi_latest',
    'sensor_datastreams',
    'sensor_multi_datastreams',
  ])
    await sql`
      drop trigger sensor_latest_notify on ${sql.table(table)};
      create trigger sensor_latest_notify after insert or update or delete or truncate on ${sql.table(table)}
        for each statement execute function sensor_latest_notify();
    `.execute(db);
}
