// The connector framework: per service and municipality a destination; each submission becomes a
// delivery record plus a job in the one job queue (committed together), so a submission is never lost
// between "case submitted" and "sent". The job retries with backoff for more than a day, then the delivery
// lands in the dead-letter list (status failed) where staff can send it again by hand. Status coming back
// from the specialised software (callbacks) updates the delivery and is announced as
// `deliveryStatusChanged`, which the case model subscribes to.
import { EventEmitter } from 'node:events';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import { systemActor } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type {
  ConnectorDelivery,
  ConnectorDestination,
  ConnectorKind,
  DeliveryStatus,
} from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import type { FileStorage } from '../../core/files/index.js';
import {
  PermanentJobError,
  TransactionalEvents,
  retryDelayMs,
  type BackoffOptions,
  type JobContext,
} from '../../core/jobs/index.js';
import type { JobQueue, JobWorker } from '../../core/jobs/index.js';
import { verifyWebhookSignature } from '../../core/notifications/webhook-signature.js';
import { ConnectorRepository, type DeliveryFilter } from './connector.repository.js';
import {
  DeliveryRefused,
  deliveryRoundKey,
  type Connector,
  type DeliveryStatusChanged,
  type FitConnectSettings,
  type LoadedAttachment,
  type Submission,
  type WebhookSettings,
} from './connector.types.js';
import { fitConnectConnector, verifyFitConnectCallback } from './fit-connect.connector.js';
import { webhookConnector } from './webhook.connector.js';
import { xmlConnector } from './xml.connector.js';

export const DELIVER_JOB = 'egov.connector.deliver';
/** 30 s doubling up to 1 h: with 60 attempts at least about 26 hours pass before a delivery gives up. */
export const DELIVERY_BACKOFF: BackoffOptions = { baseMs: 30_000, capMs: 60 * 60_000 };
export const DELIVERY_MAX_ATTEMPTS = 60;
const MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'egov.connector.deliver': { deliveryId: string; municipalityId: string };
  }
}

/** Shortest total waiting time before a delivery gives up (every delay at its lower jitter bound). */
export function minimumRetryWindowMs(
  maxAttempts = DELIVERY_MAX_ATTEMPTS,
  backoff: BackoffOptions = DELIVERY_BACKOFF,
): number {
  let total = 0;
  for (let failed = 1; failed < maxAttempts; failed++) total += retryDelayMs(failed, backoff, () => 0);
  return total;
}

export const defaultConnectors: Record<ConnectorKind, Connector> = {
  'fit-connect': fitConnectConnector,
  webhook: webhookConnector,
  xml: xmlConnector,
};

/** Settings as staff may see them: secrets and keys masked. */
export function maskedSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    masked[key] = /secret|token|password/i.test(key) && value ? '••••••' : value;
  }
  return masked;
}

export interface NewDelivery {
  municipalityId: string;
  serviceKey: string;
  sourceType: string;
  sourceId: string;
  submission: Submission;
}

export interface RemoteStatusUpdate {
  remoteId: string;
  status: string;
  message: string | null;
}

interface ConnectorEvents {
  deliveryStatusChanged: [DeliveryStatusChanged];
}

function statusEvent(delivery: ConnectorDelivery, message: string | null): DeliveryStatusChanged {
  return {
    deliveryId: delivery.id,
    municipalityId: delivery.municipality_id,
    sourceType: delivery.source_type,
    sourceId: delivery.source_id,
    round: delivery.round,
    status: delivery.status,
    remoteStatus: delivery.remote_status,
    message,
  };
}

const FINAL_REMOTE: Record<string, DeliveryStatus> = {
  accepted: 'accepted',
  'accept-submission': 'accepted',
  rejected: 'rejected',
  'reject-submission': 'rejected',
};

export class ConnectorService {
  readonly events = new EventEmitter<ConnectorEvents>();
  /** The same event inside the transaction that changed the delivery, for follow-ups that must not be lost. */
  readonly outbox = new TransactionalEvents<{ deliveryStatusChanged: DeliveryStatusChanged }>();
  private readonly repository: ConnectorRepository;

  constructor(
    private readonly db: Database,
    private readonly jobs: JobQueue,
    private readonly files: Pick<FileStorage, 'get'>,
    private readonly audit: AuditService,
    private readonly connectors: Record<ConnectorKind, Connector> = defaultConnectors,
  ) {
    this.repository = new ConnectorRepository(db);
  }

  async saveDestination(
    input: {
      municipalityId: string;
      serviceKey: string;
      kind: ConnectorKind;
      name: string;
      settings: Record<string, unknown>;
      enabled: boolean;
    },
    actor: AuditActor,
  ): Promise<ConnectorDestination> {
    const problems = await this.connectors[input.kind].validateSettings(input.settings);
    if (problems.length > 0) throw Errors.validation('The destination settings are not usable', { problems });
    return this.db.transaction().execute(async (trx) => {
      const saved = await new ConnectorRepository(trx).upsertDestination(input);
      await this.audit.record(
        actor,
        {
          action: 'egov.connector_destination_saved',
          targetType: 'connector_destination',
          targetId: saved.id,
          municipalityId: input.municipalityId,
          details: { serviceKey: input.serviceKey, kind: input.kind, enabled: input.enabled },
        },
        trx,
      );
      return saved;
    });
  }

  /** The enabled destination of a service, trying each key (e.g. LeiKa key, then slug) in turn. */
  async destinationFor(municipalityId: string, serviceKeys: string[]): Promise<ConnectorDestination | null> {
    for (const key of serviceKeys) {
      const found = await this.repository.findDestinationForService(municipalityId, key);
      if (found?.enabled) return found;
    }
    return null;
  }

  listDestinations(municipalityId: string): Promise<ConnectorDestination[]> {
    return this.repository.listDestinations(municipalityId);
  }

  /**
   * Queues a submission for the service's destination. Pass the case's transaction as executor so the
   * delivery commits with the case (then nothing is lost if the process dies right after).
   */
  async deliver(input: NewDelivery, actor: AuditActor, executor?: Database): Promise<ConnectorDelivery> {
    const run = async (trx: Database) => {
      const repository = new ConnectorRepository(trx);
      const destination = await repository.findDestinationForService(input.municipalityId, input.serviceKey);
      if (!destination || !destination.enabled)
        throw Errors.notFound('Connector destination for this service');
      const prefix = `m/${input.municipalityId}/`;
      if (input.submission.attachments.some((a) => !a.fileKey.startsWith(prefix))) {
        throw Errors.validation('Attachments must be files of the same municipality');
      }
      const delivery = await repository.insertDelivery({
        municipalityId: input.municipalityId,
        destinationId: destination.id,
        sourceType: input.sourceType,
        sourceId: input.sourceId,
        submission: input.submission as unknown as Record<string, unknown>,
      });
      const job = await this.enqueue(delivery, trx);
      await this.audit.record(
        actor,
        {
          action: 'egov.delivery_queued',
          targetType: 'connector_delivery',
          targetId: delivery.id,
          municipalityId: input.municipalityId,
          details: { destinationId: destination.id, source: `${input.sourceType}:${input.sourceId}` },
        },
        trx,
      );
      return { ...delivery, job_id: job };
    };
    return executor ? run(executor) : this.db.transaction().execute(run);
  }

  private async enqueue(delivery: ConnectorDelivery, trx: Database): Promise<number> {
    const { id } = await this.jobs.enqueue(
      DELIVER_JOB,
      { deliveryId: delivery.id, municipalityId: delivery.municipality_id },
      {
        municipalityId: delivery.municipality_id,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        uniqueKey: `delivery:${delivery.id}`,
      },
      trx,
    );
    await new ConnectorRepository(trx).updateDelivery(delivery.municipality_id, delivery.id, { jobId: id });
    return id;
  }

  listDeliveries(filter: DeliveryFilter): Promise<ConnectorDelivery[]> {
    return this.repository.listDeliveries(filter);
  }

  async getDelivery(municipalityId: string, id: string): Promise<ConnectorDelivery> {
    const delivery = await this.repository.findDelivery(municipalityId, id);
    if (!delivery) throw Errors.notFound('Delivery');
    return delivery;
  }

  /**
   * Sends a delivery again by hand, e.g. after the receiver, the settings or the data were fixed.
   * A failed one (dead letter) gets fresh attempts in the same round: FIT-Connect continues the
   * submission it had announced. One the receiver rejected through its callback starts a new round with a
   * new idempotency key, so the receiver takes it as a new submission. The status guard in the update
   * makes a double click or two staff members at once send it only once (the second gets a conflict).
   */
  async redeliver(municipalityId: string, id: string, actor: AuditActor): Promise<ConnectorDelivery> {
    const result = await this.db.transaction().execute(async (trx) => {
      const repository = new ConnectorRepository(trx);
      const before = await repository.findDelivery(municipalityId, id);
      if (!before) throw Errors.notFound('Delivery');
      const requeued =
        before.status === 'rejected'
          ? await repository.startNewRound(municipalityId, id)
          : await repository.updateDelivery(municipalityId, id, { status: 'queued', lastError: null }, [
              'failed',
            ]);
      if (!requeued) throw Errors.conflict('Only a failed or rejected delivery can be sent again');
      const jobId = await this.enqueue(requeued, trx);
      await this.audit.record(
        actor,
        {
          action: 'egov.delivery_redelivered',
          targetType: 'connector_delivery',
          targetId: id,
          municipalityId,
          details: {
            previousStatus: before.status,
            previousError: before.last_error,
            previousRemoteStatus: before.remote_status,
            round: requeued.round,
            idempotencyKey: deliveryRoundKey(id, requeued.round),
          },
        },
        trx,
      );
      await this.outbox.publish('deliveryStatusChanged', statusEvent(requeued, null), trx);
      return { ...requeued, job_id: jobId };
    });
    this.announce(result, null);
    return result;
  }

  /** The job: one attempt at one delivery. Idempotent: a delivery that left "queued" is not sent again. */
  async runDeliveryJob(job: JobContext<{ deliveryId: string; municipalityId: string }>): Promise<void> {
    const { deliveryId, municipalityId } = job.payload;
    const delivery = await this.repository.findDelivery(municipalityId, deliveryId);
    if (!delivery || delivery.status !== 'queued') return;
    const attempts = delivery.attempts + 1;
    try {
      const destination = await this.repository.findDestination(municipalityId, delivery.destination_id);
      if (!destination) throw new DeliveryRefused('the destination was removed');
      if (!destination.enabled) throw new DeliveryRefused('the destination is disabled');
      const submission = delivery.submission as unknown as Submission;
      const result = await this.connectors[destination.kind].deliver({
        deliveryId,
        idempotencyKey: deliveryRoundKey(deliveryId, delivery.round),
        destination,
        submission,
        attachments: await this.loadAttachments(submission),
        remoteId: delivery.remote_id,
        rememberRemoteId: async (remoteId) => {
          await this.repository.updateDelivery(municipalityId, deliveryId, { remoteId });
        },
        signal: job.signal,
      });
      const delivered = await this.db.transaction().execute(async (trx) => {
        const row = await new ConnectorRepository(trx).updateDelivery(
          municipalityId,
          deliveryId,
          {
            status: 'delivered',
            attempts,
            lastError: null,
            deliveredAt: new Date(),
            ...(result.remoteId ? { remoteId: result.remoteId } : {}),
            remoteStatus: result.remoteStatus,
          },
          ['queued'],
        );
        if (!row) return undefined;
        await this.audit.record(
          systemActor('connector'),
          {
            action: 'egov.delivery_delivered',
            targetType: 'connector_delivery',
            targetId: deliveryId,
            municipalityId,
            details: { attempts, remoteId: row.remote_id },
          },
          trx,
        );
        await this.outbox.publish('deliveryStatusChanged', statusEvent(row, null), trx);
        return row;
      });
      if (delivered) this.announce(delivered, null);
    } catch (error) {
      const message = (error as Error).message.slice(0, 1000);
      const givesUp = error instanceof DeliveryRefused || job.attempt >= job.maxAttempts;
      const failed = await this.db.transaction().execute(async (trx) => {
        const row = await new ConnectorRepository(trx).updateDelivery(
          municipalityId,
          deliveryId,
          { attempts, lastError: message, ...(givesUp ? { status: 'failed' as const } : {}) },
          ['queued'],
        );
        if (!givesUp || !row) return undefined;
        await this.audit.record(
          systemActor('connector'),
          {
            action: 'egov.delivery_failed',
            targetType: 'connector_delivery',
            targetId: deliveryId,
            municipalityId,
            details: { attempts, error: message },
          },
          trx,
        );
        await this.outbox.publish('deliveryStatusChanged', statusEvent(row, message), trx);
        return row;
      });
      if (failed) this.announce(failed, message);
      if (error instanceof DeliveryRefused) throw new PermanentJobError(message, { cause: error });
      throw error;
    }
  }

  private async loadAttachments(submission: Submission): Promise<LoadedAttachment[]> {
    const loaded: LoadedAttachment[] = [];
    let total = 0;
    for (const attachment of submission.attachments) {
      const file = await this.files.get(attachment.fileKey).catch((error: unknown) => {
        if ((error as { status?: number }).status === 404) {
          throw new DeliveryRefused(`attachment ${attachment.filename} is missing in the file storage`);
        }
        throw error;
      });
      const chunks: Buffer[] = [];
      for await (const chunk of file.stream) {
        total += (chunk as Buffer).length;
        if (total > MAX_ATTACHMENT_BYTES) throw new DeliveryRefused('attachments exceed 50 MiB');
        chunks.push(chunk as Buffer);
      }
      loaded.push({ ...attachment, content: Buffer.concat(chunks) });
    }
    return loaded;
  }

  /**
   * A status message from the specialised software. The destination proves itself with its secret: the
   * FIT-Connect `callback-authentication` HMAC-SHA512 for FIT-Connect destinations, the platform's webhook
   * signature for the others. Answers false when the signature is not valid.
   */
  async receiveStatus(
    destinationId: string,
    rawBody: string,
    headers: Record<string, string | string[] | undefined>,
    parse: (body: string) => RemoteStatusUpdate,
  ): Promise<ConnectorDelivery> {
    const destination = await this.repository.findDestinationForCallback(destinationId);
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    let authentic = false;
    if (destination?.kind === 'fit-connect') {
      const settings = destination.settings as unknown as FitConnectSettings;
      authentic = verifyFitConnectCallback(
        settings.callbackSecret,
        { authentication: header('callback-authentication'), timestamp: header('callback-timestamp') },
        rawBody,
      );
    } else if (destination) {
      const settings = destination.settings as unknown as WebhookSettings;
      authentic = verifyWebhookSignature(settings.secret, header('x-srp-signature'), rawBody);
    }
    if (!destination || !authentic) throw Errors.unauthenticated('The callback signature is not valid');
    const update = parse(rawBody);
    const delivery = await this.repository.findDeliveryByRemoteId(
      destination.municipality_id,
      destination.id,
      update.remoteId,
    );
    if (!delivery) {
      // A late message about a round that was rejected and sent again: acknowledged, changes nothing.
      const superseded = await this.repository.findDeliveryByRemoteId(
        destination.municipality_id,
        destination.id,
        update.remoteId,
        true,
      );
      if (superseded) return superseded;
      throw Errors.notFound('Delivery');
    }
    const status = FINAL_REMOTE[update.status];
    // Idempotent: the same message twice changes nothing and is announced once.
    if (delivery.remote_status === update.status && (!status || delivery.status === status)) return delivery;
    const updated = await this.db.transaction().execute(async (trx) => {
      const saved = await new ConnectorRepository(trx).updateDelivery(delivery.municipality_id, delivery.id, {
        remoteStatus: update.status,
        ...(status ? { status } : {}),
      });
      await this.audit.record(
        systemActor(`connector:${destination.name}`),
        {
          action: 'egov.delivery_status_received',
          targetType: 'connector_delivery',
          targetId: delivery.id,
          municipalityId: delivery.municipality_id,
          details: { status: update.status, message: update.message },
        },
        trx,
      );
      await this.outbox.publish('deliveryStatusChanged', statusEvent(saved!, update.message), trx);
      return saved!;
    });
    this.announce(updated, update.message);
    return updated;
  }

  private announce(delivery: ConnectorDelivery, message: string | null): void {
    this.events.emit('deliveryStatusChanged', statusEvent(delivery, message));
  }
}

/** Registers the delivery job with a worker (server start); backoff can be shortened in tests. */
export function registerConnectorJobs(
  worker: JobWorker,
  connectors: ConnectorService,
  backoff: BackoffOptions = DELIVERY_BACKOFF,
): void {
  worker.register(DELIVER_JOB, (job) => connectors.runDeliveryJob(job), { timeoutMs: 120_000, backoff });
}
