// SQL of the connector framework. Every read of tenant data names the municipality; the only exceptions
// are the job (which knows a delivery id from its own payload) and the callback, which finds the
// destination by its id and then proves itself with the destination's secret.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type {
  ConnectorDelivery,
  ConnectorDestination,
  ConnectorKind,
  DeliveryStatus,
} from '../../core/db/schema.js';

export interface DestinationInput {
  municipalityId: string;
  serviceKey: string;
  kind: ConnectorKind;
  name: string;
  settings: Record<string, unknown>;
  enabled: boolean;
}

export interface DeliveryFilter {
  municipalityIds: string[] | 'all';
  statuses?: DeliveryStatus[];
  sourceType?: string;
  sourceId?: string;
  limit: number;
}

export class ConnectorRepository {
  constructor(private readonly db: Database) {}

  /** One destination per service and municipality: saving again replaces it. */
  async upsertDestination(input: DestinationInput): Promise<ConnectorDestination> {
    return this.db
      .insertInto('connector_destinations')
      .values({
        municipality_id: input.municipalityId,
        service_key: input.serviceKey,
        kind: input.kind,
        name: input.name,
        settings: JSON.stringify(input.settings),
        enabled: input.enabled,
      })
      .onConflict((oc) =>
        oc.columns(['municipality_id', 'service_key']).doUpdateSet({
          kind: input.kind,
          name: input.name,
          settings: JSON.stringify(input.settings),
          enabled: input.enabled,
          updated_at: new Date(),
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listDestinations(municipalityId: string): Promise<ConnectorDestination[]> {
    return this.db
      .selectFrom('connector_destinations')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .orderBy('service_key')
      .execute();
  }

  findDestination(municipalityId: string, id: string): Promise<ConnectorDestination | undefined> {
    return this.db
      .selectFrom('connector_destinations')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findDestinationForService(
    municipalityId: string,
    serviceKey: string,
  ): Promise<ConnectorDestination | undefined> {
    return this.db
      .selectFrom('connector_destinations')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('service_key', '=', serviceKey)
      .executeTakeFirst();
  }

  /** For incoming callbacks only: the caller must then verify the destination's secret. */
  findDestinationForCallback(id: string): Promise<ConnectorDestination | undefined> {
    return this.db.selectFrom('connector_destinations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  insertDelivery(row: {
    municipalityId: string;
    destinationId: string;
    sourceType: string;
    sourceId: string;
    submission: Record<string, unknown>;
  }): Promise<ConnectorDelivery> {
    return this.db
      .insertInto('connector_deliveries')
      .values({
        municipality_id: row.municipalityId,
        destination_id: row.destinationId,
        source_type: row.sourceType,
        source_id: row.sourceId,
        submission: JSON.stringify(row.submission),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** For the delivery job, which knows the id from its own payload. */
  findDeliveryForJob(id: string): Promise<ConnectorDelivery | undefined> {
    return this.db.selectFrom('connector_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findDelivery(municipalityId: string, id: string): Promise<ConnectorDelivery | undefined> {
    return this.db
      .selectFrom('connector_deliveries')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The delivery with this remote id; with `earlierRound`, the one whose replaced round had it. */
  findDeliveryByRemoteId(
    municipalityId: string,
    destinationId: string,
    remoteId: string,
    earlierRound = false,
  ): Promise<ConnectorDelivery | undefined> {
    return this.db
      .selectFrom('connector_deliveries')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('destination_id', '=', destinationId)
      .where(
        earlierRound
          ? sql<boolean>`${remoteId} = any(earlier_remote_ids)`
          : sql<boolean>`remote_id = ${remoteId}`,
      )
      .executeTakeFirst();
  }

  /**
   * A rejected delivery goes back to the queue as a new round: fresh attempts, no remote id (a new
   * submission is announced), the old remote id remembered. Only from `rejected`, so it happens once.
   */
  startNewRound(municipalityId: string, id: string): Promise<ConnectorDelivery | undefined> {
    return this.db
      .updateTable('connector_deliveries')
      .set({
        status: 'queued',
        round: sql<number>`round + 1`,
        attempts: 0,
        last_error: null,
        remote_id: null,
        remote_status: null,
        delivered_at: null,
        earlier_remote_ids: sql<string[]>`case when remote_id is null then earlier_remote_ids
          else array_append(earlier_remote_ids, remote_id) end`,
        updated_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .where('status', '=', 'rejected')
      .returningAll()
      .executeTakeFirst();
  }

  listDeliveries(filter: DeliveryFilter): Promise<ConnectorDelivery[]> {
    let query = this.db.selectFrom('connector_deliveries').selectAll();
    if (filter.municipalityIds !== 'all') {
      if (filter.municipalityIds.length === 0) return Promise.resolve([]);
      query = query.where('municipality_id', 'in', filter.municipalityIds);
    }
    if (filter.statuses?.length) query = query.where('status', 'in', filter.statuses);
    if (filter.sourceType) query = query.where('source_type', '=', filter.sourceType);
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  async updateDelivery(
    municipalityId: string,
    id: string,
    patch: {
      status?: DeliveryStatus;
      attempts?: number;
      lastError?: string | null;
      jobId?: number;
      remoteId?: string;
      remoteStatus?: string | null;
      deliveredAt?: Date;
    },
    onlyIfStatus?: DeliveryStatus[],
  ): Promise<ConnectorDelivery | undefined> {
    let query = this.db
      .updateTable('connector_deliveries')
      .set({
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.attempts !== undefined ? { attempts: patch.attempts } : {}),
        ...(patch.lastError !== undefined ? { last_error: patch.lastError } : {}),
        ...(patch.jobId !== undefined ? { job_id: patch.jobId } : {}),
        ...(patch.remoteId !== undefined ? { remote_id: patch.remoteId } : {}),
        ...(patch.remoteStatus !== undefined ? { remote_status: patch.remoteStatus } : {}),
        ...(patch.deliveredAt !== undefined ? { delivered_at: patch.deliveredAt } : {}),
        updated_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id);
    if (onlyIfStatus) query = query.where('status', 'in', onlyIfStatus);
    return query.returningAll().executeTakeFirst();
  }
}
