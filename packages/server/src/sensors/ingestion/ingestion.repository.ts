// SQL of ingestion: the stored-uplink keys (duplicate detection) and the quarantine.
import { sql, type Selectable } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { QuarantineStatus, SensorQuarantineTable } from '../../core/db/schema.js';

export type QuarantineRow = Selectable<SensorQuarantineTable>;

export class IngestionRepository {
  constructor(private readonly db: Database) {}

  /** Remembers an uplink; false when its key was stored before (a duplicate). */
  async claimUplink(
    deviceId: number,
    dedupKey: string,
    fCnt: number | null,
    receivedAt: Date,
  ): Promise<boolean> {
    const result = await this.db
      .insertInto('sensor_device_uplinks')
      .values({ device_id: deviceId, dedup_key: dedupKey, f_cnt: fCnt, received_at: receivedAt })
      .onConflict((oc) => oc.columns(['device_id', 'dedup_key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async uplinkExists(deviceId: number, dedupKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('sensor_device_uplinks')
      .select('device_id')
      .where('device_id', '=', deviceId)
      .where('dedup_key', '=', dedupKey)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The same frame counter seen within the window around `at` (e.g. delivered by two routes). */
  async frameSeen(deviceId: number, fCnt: number, at: Date, windowMs: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('sensor_device_uplinks')
      .select('device_id')
      .where('device_id', '=', deviceId)
      .where('f_cnt', '=', fCnt)
      .where('received_at', '>=', new Date(at.getTime() - windowMs))
      .where('received_at', '<=', new Date(at.getTime() + windowMs))
      .executeTakeFirst();
    return row !== undefined;
  }

  async quarantine(values: {
    municipalityId: string;
    integrationId: string | null;
    deviceId: number | null;
    devEui: string | null;
    source: string;
    reason: string;
    detail: string;
    payload: unknown;
  }): Promise<number> {
    const row = await this.db
      .insertInto('sensor_quarantine')
      .values({
        municipality_id: values.municipalityId,
        integration_id: values.integrationId,
        device_id: values.deviceId,
        dev_eui: values.devEui,
        source: values.source,
        reason: values.reason,
        detail: values.detail,
        payload: JSON.stringify(values.payload ?? null),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  listQuarantine(
    municipalityId: string,
    filter: { deviceId?: number; status?: QuarantineStatus; limit: number; offset: number },
  ): Promise<QuarantineRow[]> {
    let query = this.db
      .selectFrom('sensor_quarantine')
      .selectAll()
      .where('municipality_id', '=', municipalityId);
    if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return query.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
  }

  findQuarantine(municipalityId: string, id: number): Promise<QuarantineRow | undefined> {
    return this.db
      .selectFrom('sensor_quarantine')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Resolves an open entry; false when it was resolved already (by someone else). */
  async resolveQuarantine(
    municipalityId: string,
    id: number,
    status: 'released' | 'discarded',
    userId: string | null,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('sensor_quarantine')
      .set({ status, resolved_at: sql<Date>`now()`, resolved_by: userId })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
