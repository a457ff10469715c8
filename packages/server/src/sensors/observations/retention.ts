// Retention and downsampling of sensor data, run daily by the job 'sensors.storage-maintenance':
// - creates the monthly partitions of this and the next two months ahead of time;
// - deletes raw observations older than their Datastream's retention (default SENSOR_RAW_RETENTION_DAYS,
//   override per Datastream in sensor_retention_policies; 0 keeps forever). Whole months whose data is
//   older than every stream's retention are dropped as partitions, which costs nothing however many rows
//   they hold; what remains (streams with longer retention, rows in the default partition) goes in
//   batched deletes so that no statement holds locks or bloats WAL for long;
// - deletes 5 min rollups older than SENSOR_ROLLUP_5MIN_RETENTION_DAYS (overridable likewise). Hourly,
//   daily and monthly rollups stay forever: the downsampled history survives the raw data.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { JobQueue, JobWorker } from '../../core/jobs/index.js';

const DAY_MS = 86_400_000;
const JOB = 'sensors.storage-maintenance';

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'sensors.storage-maintenance': Record<string, never>;
  }
}

export interface RetentionDefaults {
  /** Days raw observations are kept; 0 = forever. */
  rawDays: number;
  /** Days 5-minute rollups are kept; 0 = forever. */
  rollup5minDays: number;
}

export interface RetentionResult {
  partitionsDropped: string[];
  rawDeleted: number;
  rollupsDeleted: number;
}

export class ObservationRetention {
  constructor(
    private readonly db: Database,
    private readonly defaults: RetentionDefaults,
    private readonly batchSize = 10_000,
  ) {}

  /**
   * One maintenance run. With `municipalityId` only that municipality's data is touched and no partition
   * is dropped (partitions hold every municipality's data); tests and manual clean-ups use that.
   */
  async run(now = new Date(), scope?: { municipalityId: string }): Promise<RetentionResult> {
    await this.ensureUpcomingPartitions(now);
    const overrides = await this.db.selectFrom('sensor_retention_policies').selectAll().execute();
    const partitionsDropped: string[] = [];
    if (!scope) {
      const rawDays = [this.defaults.rawDays, ...overrides.map((o) => o.raw_days ?? this.defaults.rawDays)];
      if (!rawDays.includes(0))
        partitionsDropped.push(...(await this.dropPartitionsBefore(daysBefore(now, Math.max(...rawDays)))));
    }
    let rawDeleted = 0;
    let rollupsDeleted = 0;
    const m = scope?.municipalityId ?? null;
    if (this.defaults.rawDays > 0)
      rawDeleted += await this.deleteRaw(daysBefore(now, this.defaults.rawDays), null, m);
    if (this.defaults.rollup5minDays > 0) {
      rollupsDeleted += await this.deleteRollups(daysBefore(now, this.defaults.rollup5minDays), null, m);
      rollupsDeleted += await this.deleteMultiRollups(daysBefore(now, this.defaults.rollup5minDays), m);
    }
    for (const o of overrides) {
      if (o.raw_days) rawDeleted += await this.deleteRaw(daysBefore(now, o.raw_days), o.datastream_id, m);
      if (o.rollup_5min_days)
        rollupsDeleted += await this.deleteRollups(daysBefore(now, o.rollup_5min_days), o.datastream_id, m);
    }
    return { partitionsDropped, rawDeleted, rollupsDeleted };
  }

  async ensureUpcomingPartitions(now: Date): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
      await sql`select sensor_observations_ensure_partition(${month.toISOString()}::timestamptz)`.execute(
        this.db,
      );
    }
  }

  /** Drops the monthly partitions that end on or before `cutoff`; returns their names. */
  async dropPartitionsBefore(cutoff: Date): Promise<string[]> {
    const partitions = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'sensor_observations'::regclass`.execute(this.db);
    const dropped: string[] = [];
    for (const { name } of partitions.rows) {
      const match = /^sensor_observations_(\d{4})_(\d{2})$/.exec(name);
      if (!match) continue; // the default partition
      const end = new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
      if (end.getTime() > cutoff.getTime()) continue;
      await sql`drop table if exists ${sql.id(name)}`.execute(this.db);
      dropped.push(name);
    }
    return dropped;
  }

  /**
   * Deletes raw observations before `cutoff` in batches: of one Datastream, or (datastreamId null) of
   * every stream without its own raw retention, MultiDatastreams included.
   */
  private async deleteRaw(cutoff: Date, datastreamId: number | null, municipalityId: string | null) {
    const stream =
      datastreamId !== null
        ? sql`x.datastream_id = ${datastreamId}`
        : sql`not exists (select 1 from sensor_retention_policies p
            where p.datastream_id = x.datastream_id and p.raw_days is not null)`;
    const tenant = municipalityId ? sql`and x.municipality_id = ${municipalityId}::uuid` : sql``;
    return this.inBatches(
      sql`delete from sensor_observations o using (
            select x.id, x.phenomenon_time_start from sensor_observations x
            where x.phenomenon_time_start < ${cutoff.toISOString()}::timestamptz and ${stream} ${tenant}
            limit ${this.batchSize}) d
          where o.id = d.id and o.phenomenon_time_start = d.phenomenon_time_start`,
    );
  }

  private async deleteRollups(cutoff: Date, datastreamId: number | null, municipalityId: string | null) {
    const stream =
      datastreamId !== null
        ? sql`r.datastream_id = ${datastreamId}`
        : sql`not exists (select 1 from sensor_retention_policies p
            where p.datastream_id = r.datastream_id and p.rollup_5min_days is not null)`;
    const tenant = municipalityId
      ? sql`and r.datastream_id in (select id from sensor_datastreams where municipality_id = ${municipalityId}::uuid)`
      : sql``;
    return this.inBatches(
      sql`delete from sensor_rollups o using (
            select r.datastream_id, r.bucket_start from sensor_rollups r
            where r.bucket_width = '5min' and r.bucket_start < ${cutoff.toISOString()}::timestamptz
              and ${stream} ${tenant}
            limit ${this.batchSize}) d
          where o.bucket_width = '5min' and o.datastream_id = d.datastream_id and o.bucket_start = d.bucket_start`,
    );
  }

  /** MultiDatastreams have no per-stream overrides (sensor_retention_policies is per Datastream). */
  private async deleteMultiRollups(cutoff: Date, municipalityId: string | null) {
    const tenant = municipalityId
      ? sql`and r.multi_datastream_id in (select id from sensor_multi_datastreams where municipality_id = ${municipalityId}::uuid)`
      : sql``;
    return this.inBatches(
      sql`delete from sensor_multi_rollups o using (
            select r.multi_datastream_id, r.bucket_start, r.component from sensor_multi_rollups r
            where r.bucket_width = '5min' and r.bucket_start < ${cutoff.toISOString()}::timestamptz ${tenant}
            limit ${this.batchSize}) d
          where o.bucket_width = '5min' and o.multi_datastream_id = d.multi_datastream_id
            and o.bucket_start = d.bucket_start and o.component = d.component`,
    );
  }

  private async inBatches(statement: ReturnType<typeof sql>): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await statement.execute(this.db);
      const n = Number(result.numAffectedRows ?? 0);
      total += n;
      if (n < this.batchSize) return total;
    }
  }
}

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

export function registerObservationStorageJobs(
  worker: JobWorker,
  queue: JobQueue,
  db: Database,
  defaults: RetentionDefaults,
): void {
  worker.register(
    JOB,
    async () => {
      await new ObservationRetention(db, defaults).run();
      await scheduleObservationStorage(queue, DAY_MS);
    },
    { timeoutMs: 60 * 60_000 },
  );
}

/** Keeps one pending maintenance job queued; the unique key makes this safe on every start. */
export async function scheduleObservationStorage(queue: JobQueue, delayMs = 5 * 60_000): Promise<void> {
  await queue.enqueue(JOB, {}, { uniqueKey: JOB, runAt: new Date(Date.now() + delayMs), maxAttempts: 3 });
}
