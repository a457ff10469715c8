// Time-series storage of observations (docs/BENCHMARKS.md has the measurements behind these choices):
//
// - sensor_observations becomes a table range-partitioned by phenomenon time, one partition per UTC month
//   plus a default partition as safety net. Why: indexes stay the size of a month instead of growing for
//   years, queries over a time range touch only their months, and retention drops whole months instead of
//   deleting hundreds of millions of rows. PGlite is PostgreSQL 17 and partitions the same way, so both
//   engines run this one migration (no capability branch needed). Columns and their meaning stay those of
//   0003; the primary key becomes (id, phenomenon_time_start) because a partitioned table's unique keys
//   must contain the partition key. Its leading id keeps `Observations(123)` an index probe per partition;
//   ids stay unique because only the sequence hands them out.
// - No foreign keys on sensor_observations and sensor_rollups: per-row FK checks cost about half of the
//   insert time (measured, docs/BENCHMARKS.md). Their guarantees stay: the one write path
//   (ObservationService) checks streams and features, holding the Datastream rows locked until commit,
//   and triggers keep the delete semantics of 0003 (deleting a (Multi)Datastream deletes its
//   observations and rollups; a FeatureOfInterest with observations cannot be deleted, SQLSTATE 23503).
// - sensor_latest: the newest observation per Datastream, kept in the insert transaction.
// - sensor_rollups: count/sum/min/max per Datastream and bucket (5 min, hour, day, month), kept in the
//   insert transaction. 5 min and hour buckets are UTC; day and month buckets are calendar days and months
//   in Europe/Berlin (what people of the region mean by "Tagesmittel"), stored as their start instant.
// - sensor_retention_policies: per-Datastream overrides of how long raw data and 5 min rollups are kept.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table sensor_observations rename to sensor_observations_0003;

    create sequence sensor_observation_ids as bigint;
    select setval('sensor_observation_ids', coalesce((select max(id) from sensor_observations_0003), 0) + 1, false);

    create table sensor_observations (
      id bigint not null default nextval('sensor_observation_ids'),
      municipality_id uuid not null,
      datastream_id bigint,
      multi_datastream_id bigint,
      feature_of_interest_id bigint,
      phenomenon_time_start timestamptz not null,
      phenomenon_time_end timestamptz,
      result_time timestamptz,
      result_number double precision,
      result jsonb,
      result_quality jsonb,
      valid_time_start timestamptz,
      valid_time_end timestamptz,
      parameters jsonb,
      primary key (id, phenomenon_time_start),
      check ((datastream_id is null) <> (multi_datastream_id is null))
    ) partition by range (phenomenon_time_start);
    alter sequence sensor_observation_ids owned by sensor_observations.id;
    create table sensor_observations_default partition of sensor_observations default;
    create index sensor_obs_datastream_time on sensor_observations(datastream_id, phenomenon_time_start desc) where datastream_id is not null;
    create index sensor_obs_multi_datastream_time on sensor_observations(multi_datastream_id, phenomenon_time_start desc) where multi_datastream_id is not null;
    create index sensor_obs_feature on sensor_observations(feature_of_interest_id);

    -- Creates the partition of the UTC month containing 'instant' unless it exists; rows of that month that
    -- went to the default partition move into it. Serialised by an advisory lock, so concurrent writers
    -- and the maintenance job may all call it. Returns whether it created the partition.
    create function sensor_observations_ensure_partition(instant timestamptz) returns boolean
    language plpgsql as $fn$
    declare
      lo timestamptz := date_trunc('month', instant at time zone 'UTC') at time zone 'UTC';
      hi timestamptz := (date_trunc('month', instant at time zone 'UTC') + interval '1 month') at time zone 'UTC';
      part text := 'sensor_observations_' || to_char(instant at time zone 'UTC', 'YYYY_MM');
    begin
      if to_regclass(part) is not null then return false; end if;
      perform pg_advisory_xact_lock(hashtext('sensor_observations_partitions'));
      -- Look again with a fresh snapshot (the catalog cache may not know yet what the lock holder made).
      if exists (select 1 from pg_class where relname = part and relnamespace = current_schema()::regnamespace) then
        return false;
      end if;
      execute format('create table %I (like sensor_observations including defaults including constraints)', part);
      execute format('insert into %I select * from sensor_observations_default where phenomenon_time_start >= %L and phenomenon_time_start < %L', part, lo, hi);
      execute format('delete from sensor_observations_default where phenomenon_time_start >= %L and phenomenon_time_start < %L', lo, hi);
      execute format('alter table sensor_observations attach partition %I for values from (%L) to (%L)', part, lo, hi);
      return true;
    end
    $fn$;

    select sensor_observations_ensure_partition(m)
    from (
      select distinct date_trunc('month', phenomenon_time_start at time zone 'UTC') at time zone 'UTC' as m from sensor_observations_0003
      union select now() union select now() + interval '1 month' union select now() + interval '2 months'
    ) months;

    insert into sensor_observations select * from sensor_observations_0003;
    drop table sensor_observations_0003;

    create table sensor_latest (
      datastream_id bigint primary key references sensor_datastreams(id) on delete cascade,
      observation_id bigint not null,
      phenomenon_time timestamptz not null,
      result_number double precision,
      result jsonb,
      updated_at timestamptz not null default now()
    );

    create table sensor_rollups (
      datastream_id bigint not null,
      bucket_width text not null check (bucket_width in ('5min', 'hour', 'day', 'month')),
      bucket_start timestamptz not null,
      count bigint not null,
      sum double precision not null,
      min double precision not null,
      max double precision not null,
      primary key (datastream_id, bucket_width, bucket_start)
    );

    create function sensor_observations_cascade() returns trigger language plpgsql as $fn$
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
    create trigger sensor_observations_cascade after delete on sensor_datastreams
      for each row execute function sensor_observations_cascade();
    create trigger sensor_observations_cascade after delete on sensor_multi_datastreams
      for each row execute function sensor_observations_cascade();

    create function sensor_features_of_interest_restrict() returns trigger language plpgsql as $fn$
    begin
      if exists (select 1 from sensor_observations where feature_of_interest_id = old.id) then
        raise exception 'FeatureOfInterest % still has observations', old.id using errcode = '23503';
      end if;
      return old;
    end
    $fn$;
    create trigger sensor_features_of_interest_restrict before delete on sensor_features_of_interest
      for each row execute function sensor_features_of_interest_restrict();

    -- null: the configured default; 0: keep forever.
    create table sensor_retention_policies (
      datastream_id bigint primary key references sensor_datastreams(id) on delete cascade,
      raw_days integer check (raw_days >= 0),
      rollup_5min_days integer check (rollup_5min_days >= 0)
    );

    insert into sensor_latest (datastream_id, observation_id, phenomenon_time, result_number, result)
    select distinct on (datastream_id) datastream_id, id, phenomenon_time_start, result_number, result
    from sensor_observations where datastream_id is not null
    order by datastream_id, phenomenon_time_start desc, id desc;

    insert into sensor_rollups (datastream_id, bucket_width, bucket_start, count, sum, min, max)
    select o.datastream_id, b.width, b.start, count(*), sum(o.result_number), min(o.result_number), max(o.result_number)
    from sensor_observations o
    cross join lateral (values
      ('5min', date_bin('5 minutes', o.phenomenon_time_start, timestamptz '2000-01-01 00:00:00+00')),
      ('hour', date_trunc('hour', o.phenomenon_time_start, 'UTC')),
      ('day', date_trunc('day', o.phenomenon_time_start, 'Europe/Berlin')),
      ('month', date_trunc('month', o.phenomenon_time_start, 'Europe/Berlin'))
    ) as b(width, start)
    where o.datastream_id is not null and o.result_number is not null
    group by 1, 2, 3;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table sensor_retention_policies, sensor_rollups, sensor_latest;
    drop trigger sensor_observations_cascade on sensor_datastreams;
    drop trigger sensor_observations_cascade on sensor_multi_datastreams;
    drop trigger sensor_features_of_interest_restrict on sensor_features_of_interest;
    drop function sensor_observations_cascade(), sensor_features_of_interest_restrict();
    create table sensor_observations_0003 (like sensor_observations including defaults including constraints);
    insert into sensor_observations_0003 select * from sensor_observations;
    alter table sensor_observations_0003 alter column id drop default;
    drop table sensor_observations;
    drop function sensor_observations_ensure_partition(timestamptz);
    alter table sensor_observations_0003 rename to sensor_observations;
    alter table sensor_observations add primary key (id);
    alter table sensor_observations alter column id add generated by default as identity;
    select setval(pg_get_serial_sequence('sensor_observations', 'id'), coalesce((select max(id) from sensor_observations), 0) + 1, false);
    alter table sensor_observations add foreign key (datastream_id) references sensor_datastreams(id) on delete cascade;
    alter table sensor_observations add foreign key (multi_datastream_id) references sensor_multi_datastreams(id) on delete cascade;
    alter table sensor_observations add foreign key (feature_of_interest_id) references sensor_features_of_interest(id);
    create index sensor_observations_datastream_time on sensor_observations(datastream_id, phenomenon_time_start desc) where datastream_id is not null;
    create index sensor_observations_multi_datastream_time on sensor_observations(multi_datastream_id, phenomenon_time_start desc) where multi_datastream_id is not null;
    create index sensor_observations_feature on sensor_observations(feature_of_interest_id);
  `.execute(db);
}
