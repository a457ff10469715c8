// Rollups and latest values for MultiDatastreams (sensors-sta):
//
// - sensor_multi_latest: the newest observation per MultiDatastream (its whole array result), kept in the
//   insert transaction like sensor_latest.
// - sensor_multi_rollups: count/sum/min/max per MultiDatastream, component (0-based position in the
//   result array = position of its ObservedProperty and unit) and bucket, with the same bucket widths and
//   time zones as sensor_rollups. A separate table instead of a component column in sensor_rollups: its
//   primary key and the hot Datastream path stay untouched. Non-numeric components are left out.
// - The delete cascade of 0005 now also removes a deleted MultiDatastream's rollups, and both tables
//   NOTIFY sensor_latest like 0009's triggers, so cached latest-value answers stay correct.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table sensor_multi_latest (
      multi_datastream_id bigint primary key references sensor_multi_datastreams(id) on delete cascade,
      observation_id bigint not null,
      phenomenon_time timestamptz not null,
      result jsonb,
      updated_at timestamptz not null default now()
    );

    create table sensor_multi_rollups (
      multi_datastream_id bigint not null,
      bucket_width text not null check (bucket_width in ('5min', 'hour', 'day', 'month')),
      bucket_start timestamptz not null,
      component integer not null,
      count bigint not null,
      sum double precision not null,
      min double precision not null,
      max double precision not null,
      primary key (multi_datastream_id, bucket_width, bucket_start, component)
    );

    create or replace function sensor_observations_cascade() returns trigger language plpgsql as $fn$
    begin
      if tg_table_name = 'sensor_datastreams' then
        delete from sensor_observations where datastream_id = old.id;
        delete from sensor_rollups where datastream_id = old.id;
      else
        delete from sensor_observations where multi_datastream_id = old.id;
        delete from sensor_multi_rollups where multi_datastream_id = old.id;
      end if;
      return old;
    end
    $fn$;

    create trigger sensor_latest_notify after insert or update or delete or truncate on sensor_multi_latest
      for each statement execute function sensor_latest_notify();
    create trigger sensor_latest_notify after insert or update or delete or truncate on sensor_multi_datastreams
      for each statement execute function sensor_latest_notify();

    insert into sensor_multi_latest (multi_datastream_id, observation_id, phenomenon_time, result)
    select distinct on (multi_datastream_id) multi_datastream_id, id, phenomenon_time_start, result
    from sensor_observations where multi_datastream_id is not null
    order by multi_datastream_id, phenomenon_time_start desc, id desc;

    insert into sensor_multi_rollups (multi_datastream_id, bucket_width, bucket_start, component, count, sum, min, max)
    select o.multi_datastream_id, b.width, b.start, c.component, count(*), sum(c.v), min(c.v), max(c.v)
    from sensor_observations o
    cross join lateral (
      select (e.i - 1)::integer as component, e.value::float8 as v
      from jsonb_array_elements(case when jsonb_typeof(o.result) = 'array' then o.result else '[]'::jsonb end)
        with ordinality as e(value, i)
      where jsonb_typeof(e.value) = 'number'
    ) c
    cross join lateral (values
      ('5min', date_bin('5 minutes', o.phenomenon_time_start, timestamptz '2000-01-01 00:00:00+00')),
      ('hour', date_trunc('hour', o.phenomenon_time_start, 'UTC')),
      ('day', date_trunc('day', o.phenomenon_time_start, 'Europe/Berlin')),
      ('month', date_trunc('month', o.phenomenon_time_start, 'Europe/Berlin'))
    ) as b(width, start)
    where o.multi_datastream_id is not null
    group by 1, 2, 3, 4;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger sensor_latest_notify on sensor_multi_datastreams;
    drop table sensor_multi_rollups, sensor_multi_latest;
    create or replace function sensor_observations_cascade() returns trigger language plpgsql as $fn$
    begin
      if tg_table_name = 'sensor_datastreams' then
        delete from sensor_observations where datastream_id = old.id;
        delete from sensor_rollups where datastream_id = old.id;
      else
        delete from sensor_observations where multi_datastream_id = old.id;
      end if;
      return old;
    end
    $fn$;
  `.execute(db);
}
