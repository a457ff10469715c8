// Wires the online-services domain: catalogue, cases, per-municipality keys, the payment and connector
// ports, and its background jobs (process starts, timer wake-ups, documents, deliveries, retention).
import type { Config } from '../config.js';
import type { AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { FileStorage } from '../core/files/index.js';
import { isPermanentJobError, type JobHandler, type JobQueue, type JobWorker } from '../core/jobs/index.js';
import type { NotificationService } from '../core/notifications/index.js';
import type { TenancyService } from '../core/tenancy/tenancy.service.js';
import type { WorkService } from '../core/work/work.service.js';
import { CaseService } from './case.service.js';
import { CatalogueService } from './catalogue.service.js';
import { ConnectorService } from './connectors/connector.service.js';
import type { PaymentService } from './payments/index.js';
import { egovMasterKey, MunicipalityKeys } from './privacy/municipality-keys.js';

export interface EgovServices {
  catalogue: CatalogueService;
  cases: CaseService;
  keys: MunicipalityKeys;
  connectors: ConnectorService;
  payments: PaymentService;
}

export function createEgovServices(deps: {
  config: Pick<Config, 'EGOV_ENCRYPTION_KEY' | 'NODE_ENV'>;
  db: Database;
  audit: AuditService;
  jobs: JobQueue;
  work: WorkService;
  notifications: NotificationService;
  files: FileStorage;
  tenancy: TenancyService;
  payments: PaymentService;
}): EgovServices {
  const keys = new MunicipalityKeys(
    deps.db,
    egovMasterKey(deps.config.EGOV_ENCRYPTION_KEY, deps.config.NODE_ENV),
    deps.files,
  );
  const catalogue = new CatalogueService(deps.db, deps.audit);
  const connectors = new ConnectorService(deps.db, deps.jobs, keys.fileReader(), deps.audit);
  const payments = deps.payments;
  const cases = new CaseService(deps.db, {
    audit: deps.audit,
    jobs: deps.jobs,
    work: deps.work,
    notifications: deps.notifications,
    catalogue,
    keys,
    payments,
    connectors,
    findMunicipality: (id) => deps.tenancy.municipality(id),
  });
  cases.listen({ payments: payments.outbox, connectors: connectors.outbox, work: deps.work.outbox });
  return { catalogue, cases, keys, connectors, payments };
}

const RETENTION_EVERY_MS = 60 * 60_000;

/**
 * The `egov.case.start` handler: starts a submitted case's process. A failure is retried with backoff;
 * the last one (before the job goes to the dead letters) also puts a task in the team's inbox.
 */
export function processStartJob(cases: CaseService): JobHandler<{ caseId: string }> {
  return async (job) => {
    try {
      await cases.startProcess(job.payload.caseId);
    } catch (error) {
      if (job.attempt >= job.maxAttempts || isPermanentJobError(error))
        await cases.reportStartProblem(
          job.payload.caseId,
          error instanceof Error ? error.message : String(error),
        );
      throw error;
    }
  };
}

export function registerEgovJobs(worker: JobWorker, queue: JobQueue, egov: EgovServices): void {
  worker.register('egov.case.wake', (job) => egov.cases.wake(job.payload.caseId), { timeoutMs: 60_000 });
  worker.register(
    'egov.case.document',
    (job) => egov.cases.generateDocument(job.payload.caseId, job.payload.template, job.payload.activityId),
    { timeoutMs: 60_000 },
  );
  worker.register('egov.case.start', processStartJob(egov.cases), { timeoutMs: 60_000 });
  worker.register('egov.case.continue', (job) => egov.cases.continueCase(job.payload), {
    timeoutMs: 60_000,
  });
  worker.register(
    'egov.retention',
    async () => {
      await egov.cases.deleteExpired();
      await scheduleEgovRetention(queue, RETENTION_EVERY_MS);
    },
    { timeoutMs: 300_000 },
  );
}

/** One pending retention run per hour slot; safe to call on every start of every instance. */
export async function scheduleEgovRetention(queue: JobQueue, delayMs = 60_000): Promise<void> {
  const runAt = new Date(Date.now() + delayMs);
  await queue.enqueue(
    'egov.retention',
    {},
    {
      runAt,
      uniqueKey: `egov.retention:${Math.floor(runAt.getTime() / RETENTION_EVERY_MS)}`,
      maxAttempts: 3,
    },
  );
}
