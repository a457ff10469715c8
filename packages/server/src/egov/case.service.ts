// Cases: a citizen's submission of an online service in one municipality, from draft to decision.
// Citizen data (form, decision note, messages, engine state) is stored encrypted with the
// municipality's key; files go to the municipality's encrypted file storage. The BPMN process runs one
// step at a time (ProcessRunner); its new state and the effects of its service tasks are written in one
// transaction with an optimistic revision check, so two instances never both advance a case.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { EgovCase, EgovCaseFile, EgovCaseStatus } from '../core/db/schema.js';
import { AppError, Errors } from '../core/errors.js';
import type { JobQueue } from '../core/jobs/index.js';
import type { NotificationService } from '../core/notifications/index.js';
import type { WorkService } from '../core/work/work.service.js';
import type { CatalogueService } from './catalogue.service.js';
import { formOf, type VersionContent } from './catalogue.service.js';
import type { MunicipalityServiceParams } from './egov.repository.js';
import { formatEuro, type FeeQuote } from './fees.js';
import { validateSubmission, type FieldErrors } from './forms/form-validation.js';
import { EgovRepository } from './egov.repository.js';
import type { MunicipalityKeys } from './privacy/municipality-keys.js';
import { ProcessRunner, StepNotWaiting, type Effect, type StepResult } from './workflow/process-runner.js';
import { renderPdf } from './documents/pdf.js';
import { RecentReceipts } from './documents/recent-receipts.js';
import { fillTemplate } from './documents/templates.js';
import type { PaymentService } from './payments/index.js';
import type { ConnectorService } from './connectors/connector.service.js';
import { deliveryRoundKey } from './connectors/connector.types.js';

export const CASE_SOURCE = 'egov_case';
/**
 * Payments of fees set after submission (pay-per-link; source id: the case id). A source of their own:
 * paying one must not count as the fee a process step is waiting for (CASE_SOURCE).
 */
export const LATER_FEE_SOURCE = 'egov_case_fee';
/** Inbox tasks about a failed delivery of a case (source id: the case id). */
export const DELIVERY_PROBLEM_SOURCE = 'egov_delivery_problem';
/** Inbox tasks about a process that could not be started after its retries (source id: the case id). */
export const START_PROBLEM_SOURCE = 'egov_start_problem';
/** The citizen's page of a case in the portal (where a paid fee leads back to). */
const citizenCasePath = (caseId: string) => `/buergerservice/antraege/${caseId}`;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const ALLOWED_ATTACHMENT_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg']);

declare module '../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'egov.case.wake': { caseId: string };
    'egov.case.document': { caseId: string; template: string; activityId: string };
    'egov.case.continue': ContinueCase;
    'egov.case.start': { caseId: string };
    'egov.retention': Record<string, never>;
  }
}

export interface CaseData {
  form: Record<string, unknown>;
  decision?: 'approved' | 'rejected';
  decisionNote?: string;
  /** The fee's online payment: the citizen's link (shown in the portal until paid). */
  payment?: { paymentId: string; url: string; paid: boolean };
  /** What the specialised software answered to the delivery. */
  delivery?: { status: string; message: string | null };
}

/** An outside event that moves a case on: a paid fee, the connector's answer, a task done in the inbox. */
export type ContinueCase =
  | { caseId: string; kind: 'payment' }
  | { caseId: string; kind: 'delivery'; status: string; remoteStatus: string | null; message: string | null }
  | { caseId: string; kind: 'task'; activityId: string; userId: string | null; note: string | null };

/** How a citizen proves a case is theirs: their account, or the resume link of an anonymous draft. */
export interface CitizenAccess {
  userId: string | null;
  resumeToken: string | null;
}

export interface Municipal {
  id: string;
  name: string;
  region_id: string;
}

// toLocaleString would build this formatter for every receipt (the same output: 22.11.2026, 15:27:25).
const BERLIN_TIME = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newReference(now = new Date()): string {
  const bytes = crypto.randomBytes(8);
  const code = [...bytes].map((b) => CROCKFORD[b % 32]).join('');
  return `${now.getUTCFullYear()}-${code.slice(0, 4)}-${code.slice(4)}`;
}

export class ValidationFailed extends AppError {
  constructor(errors: FieldErrors) {
    super('egov_form_invalid', 400, 'The form has errors', { fields: errors });
  }
}

export class CaseService {
  readonly runner = new ProcessRunner();
  /** Inbox tasks this service is completing itself (their `completed` event must not advance again). */
  readonly #completing = new Set<string>();
  /** Receipts rendered here lately: the download right after submit needs no read of the stored copy. */
  readonly #recentReceipts = new RecentReceipts();

  constructor(
    private readonly db: Database,
    private readonly deps: {
      audit: AuditService;
      jobs: JobQueue;
      work: WorkService;
      notifications: NotificationService;
      catalogue: CatalogueService;
      keys: MunicipalityKeys;
      payments: PaymentService;
      connectors: ConnectorService;
      findMunicipality: (id: string) => Promise<Municipal | undefined>;
    },
  ) {}

  private repository(executor: Database = this.db) {
    return new EgovRepository(executor);
  }

  /**
   * Subscribes to the events that move cases on. Each becomes an `egov.case.continue` job written in the
   * transaction that produced the event (outbox), so a committed payment, delivery answer or inbox
   * completion always moves its case on; if the job cannot be written, the producer's change rolls back
   * and its caller retries. A failed attempt of the job (e.g. a concurrent change) is retried by the queue.
   */
  listen(sources: {
    payments: PaymentService['outbox'];
    connectors: ConnectorService['outbox'];
    work: WorkService['outbox'];
  }): void {
    const enqueue = async (trx: Database, payload: ContinueCase, municipalityId: string, key: string) => {
      await this.deps.jobs.enqueue(
        'egov.case.continue',
        payload,
        { municipalityId, uniqueKey: `egov-continue:${key}` },
        trx,
      );
    };
    sources.payments.on('paymentStatusChanged', async (e, trx) => {
      if (e.sourceType === CASE_SOURCE && e.status === 'paid')
        await enqueue(
          trx,
          { caseId: e.sourceId, kind: 'payment' },
          e.municipalityId,
          `${e.sourceId}:payment`,
        );
    });
    sources.connectors.on('deliveryStatusChanged', async (e, trx) => {
      if (e.sourceType !== CASE_SOURCE || !['accepted', 'rejected', 'failed'].includes(e.status)) return;
      await enqueue(
        trx,
        {
          caseId: e.sourceId,
          kind: 'delivery',
          status: e.status,
          remoteStatus: e.remoteStatus,
          message: e.message,
        },
        e.municipalityId,
        // Per round: a redelivery rejected again is a new problem, not a repeat of the first.
        `${e.sourceId}:delivery:${deliveryRoundKey(e.deliveryId, e.round)}:${e.status}`,
      );
    });
    sources.work.on('completed', async (task, trx) => {
      if (task.source_type !== CASE_SOURCE || this.#completing.has(task.id)) return;
      const [caseId, activityId] = task.source_id.split(':');
      if (!caseId || !activityId) return;
      await enqueue(
        trx,
        { caseId, kind: 'task', activityId, userId: task.completed_by, note: task.completion_note },
        task.municipality_id,
        `${task.source_id}:task:${task.id}`,
      );
    });
  }

  /** The job behind `listen`: signals the waiting step; a case that is no longer waiting is left alone. */
  async continueCase(event: ContinueCase): Promise<void> {
    const c = await this.repository().findCase(event.caseId);
    if (!c?.engine_state_encrypted || c.status === 'completed' || c.status === 'rejected') return;
    const data = await this.data(c);
    try {
      if (event.kind === 'task') {
        // Done in the inbox means done as asked: without a recorded decision the case is approved.
        const actor: AuditActor = { ...systemActor('work-inbox'), userId: event.userId };
        await this.completeUserTask(
          c,
          {
            activityId: event.activityId,
            decision: data.decision ?? 'approved',
            note: event.note ?? undefined,
          },
          actor,
        );
      } else if (event.kind === 'payment') {
        const next: CaseData = data.payment ? { ...data, payment: { ...data.payment, paid: true } } : data;
        await this.receive(c, 'payment', next, systemActor('payment'), {
          status: c.assignee_id ? 'in_progress' : 'received',
        });
      } else if (event.status === 'accepted') {
        const next: CaseData = {
          ...data,
          delivery: { status: event.remoteStatus ?? event.status, message: event.message },
        };
        await this.receive(c, 'delivery', next, systemActor('connector'));
        // A redelivery by hand got through: the problem task is settled.
        await this.deps.work.cancelForSource(
          DELIVERY_PROBLEM_SOURCE,
          c.id,
          'Übermittlung angenommen',
          systemActor('connector'),
        );
      } else {
        // Refused or undeliverable: the case waits for staff, who get a task to fix it and send again.
        await this.reportDeliveryProblem(c, event);
      }
    } catch (error) {
      if (error instanceof StepNotWaiting) return;
      throw error;
    }
  }

  /**
   * A delivery the receiver refused or that ended in the dead letters: one inbox task per case for the
   * service's team (idempotent while open), naming the reason and where to look. The citizen is not told:
   * the case is still in the platform's hands, and staff decide whether to send again or to get in touch.
   */
  private async reportDeliveryProblem(
    c: EgovCase,
    event: Extract<ContinueCase, { kind: 'delivery' }>,
  ): Promise<void> {
    const { version, params } = await this.serviceOf(c);
    const [delivery] = await this.deps.connectors.listDeliveries({
      municipalityIds: [c.municipality_id],
      sourceType: CASE_SOURCE,
      sourceId: c.id,
      limit: 1,
    });
    const reason = (event.message ?? delivery?.last_error ?? event.remoteStatus ?? event.status).slice(
      0,
      500,
    );
    const actor = systemActor('connector');
    const deliveryPath = `/api/egov/connector-deliveries?municipalityId=${c.municipality_id}&sourceType=${CASE_SOURCE}&sourceId=${c.id}`;
    await this.deps.work.createTask(
      {
        municipalityId: c.municipality_id,
        teamId: params.team_id,
        sourceType: DELIVERY_PROBLEM_SOURCE,
        sourceId: c.id,
        title: `${c.test_mode ? '[Test] ' : ''}Übermittlung fehlgeschlagen: ${version.name} (${c.reference})`,
        description: [
          `Die Fachsoftware hat den Vorgang ${c.reference} nicht angenommen (${event.status}).`,
          `Grund: ${reason}`,
          `Vorgang: /verwaltung/vorgaenge/${c.id}`,
          ...(delivery
            ? [
                `Übermittlung ${delivery.id} (Fehlerliste: ${deliveryPath}); nach der Korrektur erneut senden.`,
              ]
            : []),
        ].join('\n'),
        priority: 'high',
      },
      actor,
    );
    await this.deps.audit.record(actor, {
      action: 'egov_case.delivery_problem',
      targetType: 'egov_case',
      targetId: c.id,
      municipalityId: c.municipality_id,
      details: {
        status: event.status,
        remoteStatus: event.remoteStatus,
        message: event.message,
        deliveryId: delivery?.id ?? null,
      },
    });
  }

  private async receive(
    c: EgovCase,
    message: 'payment' | 'delivery',
    data: CaseData,
    actor: AuditActor,
    options: Pick<StepOptions, 'status'> & {
      /** The step of this call that just saved the case: its state and rows in memory, not read again. */
      previous?: { state: unknown; first: boolean; loaded: CaseServiceContext };
    } = {},
  ): Promise<EgovCase> {
    const { status, previous } = options;
    const [version, state] = await Promise.all([
      previous?.loaded.version ?? this.deps.catalogue.content(c.service_version_id),
      previous ? previous.state : this.engineState(c),
    ]);
    const step = await this.runner.receive(c.id, version.bpmn_xml, state, message, variablesOf(data));
    return this.persistStep(c, step, data, actor, {
      status,
      first: previous?.first,
      loaded: previous?.loaded,
    });
  }

  // --- loading and access ----------------------------------------------------------------------------

  async get(caseId: string): Promise<EgovCase> {
    const found = await this.repository().findCase(caseId);
    if (!found) throw Errors.notFound('Case');
    return found;
  }

  /** The case if the citizen may see it; otherwise not found (never reveal that a case exists). */
  async forCitizen(caseId: string, access: CitizenAccess): Promise<EgovCase> {
    const found = await this.repository().findCase(caseId);
    if (!found) throw Errors.notFound('Case');
    const ownsByAccount = access.userId !== null && found.citizen_user_id === access.userId;
    const ownsByLink =
      access.resumeToken !== null &&
      found.resume_token_hash !== null &&
      crypto.timingSafeEqual(
        Buffer.from(hashToken(access.resumeToken)),
        Buffer.from(found.resume_token_hash),
      );
    if (!ownsByAccount && !ownsByLink) throw Errors.notFound('Case');
    return found;
  }

  /**
   * Adds an anonymous application to the logged-in citizen's account. Only with proof of possession: the
   * resume token of the case (from its link, or typed in with the receipt's reference), never because an
   * e-mail address in the form matches. A wrong token or reference is "not found" (nothing is revealed);
   * a case of another account is a conflict; claiming one's own case again changes nothing.
   */
  async addToAccount(
    lookup: { caseId: string } | { reference: string },
    resumeToken: string,
    userId: string,
    actor: AuditActor,
  ): Promise<EgovCase> {
    const found =
      'caseId' in lookup
        ? await this.repository().findCase(lookup.caseId)
        : await this.repository().findCaseByReference(lookup.reference.trim().toUpperCase());
    if (!found) throw Errors.notFound('Case');
    if (found.citizen_user_id === userId) return found;
    const proven =
      found.resume_token_hash !== null &&
      crypto.timingSafeEqual(Buffer.from(hashToken(resumeToken)), Buffer.from(found.resume_token_hash));
    if (!proven) throw Errors.notFound('Case');
    if (found.citizen_user_id !== null) throw Errors.conflict('The application belongs to another account');
    return this.db.transaction().execute(async (trx) => {
      const claimed = await this.repository(trx).claimCase(found.id, userId);
      if (!claimed) throw Errors.conflict('The application belongs to another account');
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.claimed',
          targetType: 'egov_case',
          targetId: found.id,
          municipalityId: found.municipality_id,
          details: { via: 'caseId' in lookup ? 'resume_link' : 'reference_and_token', status: found.status },
        },
        trx,
      );
      return claimed;
    });
  }

  data(c: EgovCase): Promise<CaseData> {
    return this.deps.keys.decryptJson<CaseData>(c.municipality_id, c.id, c.data_encrypted);
  }

  listForStaff(filter: Parameters<EgovRepository['listCases']>[0]) {
    return this.repository().listCases(filter);
  }

  listForCitizen(userId: string) {
    return this.repository().listCitizenCases(userId);
  }

  trail(c: EgovCase) {
    return this.repository().caseTrail(c.municipality_id, c.id);
  }

  statistics(municipalityIds: string[] | 'all') {
    return this.repository().statistics(municipalityIds);
  }

  // --- citizen: draft, attachments, submit ----------------------------------------------------------

  async createDraft(input: {
    municipalityId: string;
    version: VersionContent;
    /** The municipality's parameters for the service (fee overrides), as the caller read them. */
    params: MunicipalityServiceParams;
    userId: string | null;
    testMode: boolean;
    data: Record<string, unknown>;
    actor: AuditActor;
  }): Promise<{ case: EgovCase; data: CaseData; resumeToken: string | null; fee: FeeQuote }> {
    const { version } = input;
    if (!input.userId && !version.allow_anonymous)
      throw Errors.unauthenticated('This service needs a citizen account; please log in');
    const checked = validateSubmission(formOf(version), input.data, {
      partial: true,
      isKnownFile: () => false,
    });
    const fee = this.deps.catalogue.quote(version, input.params, checked.data);
    const id = crypto.randomUUID();
    const resumeToken = crypto.randomBytes(32).toString('base64url');
    const data: CaseData = { form: checked.data };
    const sealed = await this.deps.keys.encryptJson(input.municipalityId, id, data);
    const created = await this.db.transaction().execute(async (trx) => {
      const row = await this.insertWithReference(trx, {
        id,
        municipality_id: input.municipalityId,
        service_version_id: version.id,
        test_mode: input.testMode,
        citizen_user_id: input.userId,
        resume_token_hash: hashToken(resumeToken),
        data_encrypted: sealed,
        fee_cents: fee.totalCents,
      });
      await this.deps.audit.record(
        input.actor,
        {
          action: 'egov_case.drafted',
          targetType: 'egov_case',
          targetId: id,
          municipalityId: input.municipalityId,
          details: { testMode: input.testMode },
        },
        trx,
      );
      return row;
    });
    return { case: created, data, resumeToken, fee };
  }

  private async insertWithReference(
    trx: Database,
    values: Omit<Parameters<EgovRepository['insertCase']>[0], 'reference'>,
  ) {
    for (let attempt = 0; ; attempt++) {
      const inserted = await this.repository(trx).insertCase({ ...values, reference: newReference() });
      if (inserted) return inserted;
      if (attempt > 5) throw Errors.unavailable('Could not allocate a reference number');
    }
  }

  async saveDraft(
    c: EgovCase,
    data: Record<string, unknown>,
  ): Promise<{ case: EgovCase; fee: FeeQuote; errors: FieldErrors }> {
    if (c.status !== 'draft') throw Errors.conflict('The case was submitted already');
    const [{ version, params }, files] = await Promise.all([
      this.serviceOf(c),
      this.repository().listFiles(c.id),
    ]);
    const checked = validateSubmission(formOf(version), data, {
      partial: true,
      isKnownFile: (fileId) => files.some((f) => f.id === fileId && f.kind === 'attachment'),
    });
    const fee = this.deps.catalogue.quote(version, params, checked.data);
    const saved = await this.repository().updateCase(c.id, c.engine_revision, {
      data_encrypted: await this.deps.keys.encryptJson(c.municipality_id, c.id, {
        form: checked.data,
      } satisfies CaseData),
      fee_cents: fee.totalCents,
    });
    if (!saved) throw Errors.conflict('The case changed meanwhile; reload it');
    return { case: saved, fee, errors: checked.errors };
  }

  async addAttachment(
    c: EgovCase,
    input: { fieldKey: string; fileName: string; contentType: string; body: Readable },
    actor: AuditActor,
  ) {
    if (c.status !== 'draft' && c.status !== 'action_required')
      throw Errors.conflict('Attachments can be added to drafts and when the office asks for more');
    if (!ALLOWED_ATTACHMENT_TYPES.has(input.contentType))
      throw Errors.validation('Only PDF, PNG and JPEG files are accepted');
    const existing = await this.repository().listFiles(c.id);
    if (existing.filter((f) => f.kind === 'attachment').length >= 20)
      throw Errors.validation('At most 20 attachments');
    const id = crypto.randomUUID();
    const storageKey = `m/${c.municipality_id}/egov/cases/${c.id}/${id}`;
    const storage = await this.deps.keys.files(c.municipality_id);
    const limited = limitStream(input.body, MAX_ATTACHMENT_BYTES);
    const stored = await storage.put(storageKey, limited, { contentType: input.contentType });
    const file = await this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).insertFile({
        id,
        case_id: c.id,
        municipality_id: c.municipality_id,
        kind: 'attachment',
        field_key: input.fieldKey.slice(0, 200),
        file_name: safeFileName(input.fileName),
        content_type: input.contentType,
        size: stored.size,
        sha256: stored.sha256,
        storage_key: storageKey,
      });
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.attachment_added',
          targetType: 'egov_case',
          targetId: c.id,
          municipalityId: c.municipality_id,
          details: { fileId: id, size: stored.size },
        },
        trx,
      );
      return row;
    });
    return file;
  }

  /**
   * Validates on the server, fixes the fee, writes the receipt and stores the case as received. The BPMN
   * process starts in the `egov.case.start` job, written in the same transaction (outbox): the citizen
   * gets the reference and the receipt without waiting for the engine, and a committed submission is
   * never left without its process (any instance's worker picks the job up, also after a crash).
   */
  async submit(
    c: EgovCase,
    data: Record<string, unknown>,
    actor: AuditActor,
  ): Promise<{ case: EgovCase; receiptId: string; fee: FeeQuote }> {
    if (c.status !== 'draft') throw Errors.conflict('The case was submitted already');
    // Independent reads in parallel: the submission waits for the slowest, not for their sum. The
    // version's content comes from memory; its status, the municipality and its parameters are read now.
    const [version, files, { status, municipalityName, params }] = await Promise.all([
      this.deps.catalogue.content(c.service_version_id),
      this.repository().listFiles(c.id),
      this.deps.catalogue.submission(c.municipality_id, c.service_version_id),
    ]);
    if (status === 'retired' && !c.test_mode)
      throw Errors.conflict('This service version is no longer offered; please start again');
    const checked = validateSubmission(formOf(version), data, {
      isKnownFile: (fileId) => files.some((f) => f.id === fileId && f.kind === 'attachment'),
    });
    if (!checked.valid) throw new ValidationFailed(checked.errors);
    const fee = this.deps.catalogue.quote(version, params, checked.data);
    const caseData: CaseData = { form: checked.data };
    const submittedAt = new Date();
    const receiptId = crypto.randomUUID();
    const receipt = await renderPdf({
      title: 'Eingangsbestätigung',
      subject: `${version.name} – ${c.reference}`,
      sender: [`Gemeinde ${municipalityName}`, params.responsible_office || 'Bürgerservice'],
      paragraphs: [
        `Vielen Dank. Ihr Antrag „${version.name}“ ist bei der Gemeinde ${municipalityName} eingegangen.`,
        `Aktenzeichen: ${c.reference}`,
        `Eingegangen am: ${BERLIN_TIME.format(submittedAt)}`,
        `Gebühr: ${formatEuro(fee.totalCents)}`,
        ...fee.lines.map(
          (l) => `${l.label}${l.units > 1 ? ` (${l.units}×)` : ''}: ${formatEuro(l.amountCents)}`,
        ),
        `Angehängte Dateien: ${
          files
            .filter((f) => f.kind === 'attachment')
            .map((f) => f.file_name)
            .join(', ') || 'keine'
        }`,
        `Bearbeitungszeit: in der Regel ${version.processing_days} Tage. Den Stand sehen Sie jederzeit im Bürgerservice unter Ihrem Aktenzeichen.`,
      ],
      footer: c.test_mode
        ? 'TESTVORGANG – keine echte Antragstellung.'
        : 'Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.',
    });
    const receiptKey = `m/${c.municipality_id}/egov/cases/${c.id}/${receiptId}`;
    const storage = await this.deps.keys.files(c.municipality_id);
    const stored = await storage.put(receiptKey, Readable.from([receipt]), {
      contentType: 'application/pdf',
    });
    const sealed = await this.deps.keys.encryptJson(c.municipality_id, c.id, caseData);
    const submitted = await this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).updateCase(c.id, c.engine_revision, {
        status: 'received',
        data_encrypted: sealed,
        submitted_at: submittedAt,
        resume_token_hash: c.citizen_user_id ? null : c.resume_token_hash,
        fee_cents: fee.totalCents,
        due_at: new Date(submittedAt.getTime() + version.processing_days * 86_400_000),
      });
      if (!row) throw Errors.conflict('The case changed meanwhile; reload it');
      await this.deps.jobs.enqueue(
        'egov.case.start',
        { caseId: c.id },
        { municipalityId: c.municipality_id, uniqueKey: startJobKey(c.id) },
        trx,
      );
      await this.repository(trx).insertFile({
        id: receiptId,
        case_id: c.id,
        municipality_id: c.municipality_id,
        kind: 'receipt',
        field_key: null,
        file_name: `Eingangsbestaetigung-${c.reference}.pdf`,
        content_type: 'application/pdf',
        size: stored.size,
        sha256: stored.sha256,
        storage_key: receiptKey,
      });
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.submitted',
          targetType: 'egov_case',
          targetId: c.id,
          municipalityId: c.municipality_id,
          details: { reference: c.reference, version: version.version },
        },
        trx,
      );
      const email = contactEmail(checked.data);
      if (email) {
        await this.deps.notifications.sendEmail(
          {
            to: email,
            subject: `Eingangsbestätigung ${c.reference}`,
            text: `Guten Tag,\n\nIhr Antrag „${version.name}“ ist bei der Gemeinde ${municipalityName} eingegangen. Ihr Aktenzeichen: ${c.reference}.\n\nDie Eingangsbestätigung finden Sie im Bürgerservice.\n`,
          },
          { executor: trx, municipalityId: c.municipality_id, uniqueKey: `egov-receipt:${c.id}` },
        );
      }
      return row;
    });
    this.#recentReceipts.remember(receiptId, receipt);
    return { case: submitted, receiptId, fee };
  }

  /**
   * The job behind submit: runs the process's first step (inbox tasks, payment request, delivery) for a
   * case stored as received. A repeat after the step was written does nothing (at-least-once delivery);
   * two workers racing are kept apart by the case's revision (the loser's job retries and finds it done).
   */
  async startProcess(caseId: string): Promise<void> {
    const c = await this.repository().findCase(caseId);
    if (!c || !awaitsProcessStart(c)) return;
    const [{ version, params }, data] = await Promise.all([this.serviceOf(c), this.data(c)]);
    const step = await this.runner.start(c.id, version.bpmn_xml, { form: data.form });
    const actor = systemActor('egov-process');
    await this.persistStep(c, step, data, actor, { first: true, loaded: { version, params } });
    // Started after all (a retry, or the dead job run again by hand): the problem task is settled.
    await this.deps.work.cancelForSource(START_PROBLEM_SOURCE, c.id, 'Prozess gestartet', actor);
  }

  /** The start job of a case that gave up (its attempts used up); undefined while it is pending or done. */
  async deadStartJob(c: EgovCase): Promise<{ id: number; lastError: string | null } | undefined> {
    if (!awaitsProcessStart(c)) return undefined;
    const { jobs } = await this.deps.jobs.listDeadJobs({
      municipalityId: c.municipality_id,
      name: 'egov.case.start',
      uniqueKey: startJobKey(c.id),
      limit: 1,
    });
    return jobs[0] && { id: jobs[0].id, lastError: jobs[0].last_error };
  }

  /** Staff start a process again whose start gave up, once its cause is fixed (the problem task says so). */
  async retryStart(c: EgovCase, actor: AuditActor): Promise<void> {
    const dead = await this.deadStartJob(c);
    if (!dead) throw Errors.conflict('The process of this case is started or still being started');
    await this.deps.jobs.retryDeadJob(dead.id, { municipalityId: c.municipality_id });
    await this.deps.audit.record(actor, {
      action: 'egov_case.start_retried',
      targetType: 'egov_case',
      targetId: c.id,
      municipalityId: c.municipality_id,
      details: { jobId: dead.id },
    });
  }

  /**
   * The start failed on its last attempt (the job goes to the dead letters): the service's team gets an
   * inbox task naming the case and the error, so a submission never waits unnoticed. Once the cause is
   * fixed, staff retry the start on the case page (`retryStart`) and the process starts as usual.
   */
  async reportStartProblem(caseId: string, error: string): Promise<void> {
    const c = await this.repository().findCase(caseId);
    if (!c || !awaitsProcessStart(c)) return;
    const { version, params } = await this.serviceOf(c);
    const actor = systemActor('egov-process');
    await this.deps.work.createTask(
      {
        municipalityId: c.municipality_id,
        teamId: params.team_id,
        sourceType: START_PROBLEM_SOURCE,
        sourceId: c.id,
        title: `${c.test_mode ? '[Test] ' : ''}Prozessstart fehlgeschlagen: ${version.name} (${c.reference})`,
        description: [
          `Der Antrag ${c.reference} ist eingegangen, sein Prozess konnte aber nicht gestartet werden.`,
          `Fehler: ${error.slice(0, 500)}`,
          `Vorgang: /verwaltung/vorgaenge/${c.id}`,
          'Nach der Korrektur im Vorgang „Prozessstart erneut versuchen“ wählen.',
        ].join('\n'),
        priority: 'high',
      },
      actor,
    );
    await this.deps.audit.record(actor, {
      action: 'egov_case.start_problem',
      targetType: 'egov_case',
      targetId: c.id,
      municipalityId: c.municipality_id,
      details: { error: error.slice(0, 500) },
    });
  }

  // --- staff -----------------------------------------------------------------------------------------

  async claim(c: EgovCase, assigneeId: string, actor: AuditActor): Promise<EgovCase> {
    if (c.status === 'draft' || c.status === 'completed' || c.status === 'rejected')
      throw Errors.conflict('The case is not open');
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).updateCase(c.id, c.engine_revision, {
        assignee_id: assigneeId,
        status: c.status === 'received' ? 'in_progress' : c.status,
      });
      if (!row) throw Errors.conflict('The case changed meanwhile; reload it');
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.assigned',
          targetType: 'egov_case',
          targetId: c.id,
          municipalityId: c.municipality_id,
          details: { assigneeId },
        },
        trx,
      );
      return row;
    });
    // The work inbox shows who has the case's open steps.
    const tasks = await this.deps.work.list({
      municipalityIds: [c.municipality_id],
      statuses: ['open', 'in_progress'],
      source: { type: CASE_SOURCE, idPrefix: `${c.id}:` },
      limit: 50,
    });
    for (const task of tasks.filter(
      (t) => t.source_type === CASE_SOURCE && t.source_id.startsWith(`${c.id}:`),
    ))
      if (task.assignee_id !== assigneeId) await this.deps.work.assign(task, assigneeId, actor);
    return updated;
  }

  async requestInformation(c: EgovCase, message: string, actor: AuditActor): Promise<EgovCase> {
    if (c.status !== 'received' && c.status !== 'in_progress' && c.status !== 'action_required')
      throw Errors.conflict('The case is not open');
    await this.deps.keys.key(c.municipality_id); // PGlite: no key look-up inside the transaction
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).updateCase(c.id, c.engine_revision, {
        status: 'action_required',
      });
      if (!row) throw Errors.conflict('The case changed meanwhile; reload it');
      await this.insertMessage(trx, c, 'staff', actor.userId, message);
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.information_requested',
          targetType: 'egov_case',
          targetId: c.id,
          municipalityId: c.municipality_id,
        },
        trx,
      );
      await this.notifyCitizen(
        trx,
        c,
        'Rückfrage zu Ihrem Antrag',
        'Die Gemeinde hat eine Rückfrage zu Ihrem Antrag. Bitte antworten Sie im Bürgerservice.',
      );
      return row;
    });
    return updated;
  }

  /** A caseworker finishes a BPMN user task; a decision feeds the process's gateway. */
  async completeUserTask(
    c: EgovCase,
    input: { activityId: string; decision?: 'approved' | 'rejected'; note?: string },
    actor: AuditActor,
  ): Promise<EgovCase> {
    if (!c.engine_state_encrypted || c.status === 'completed' || c.status === 'rejected')
      throw Errors.conflict('The case has no running process');
    const version = await this.deps.catalogue.content(c.service_version_id);
    const data = await this.data(c);
    const next: CaseData = {
      ...data,
      ...(input.decision ? { decision: input.decision } : {}),
      ...(input.note ? { decisionNote: input.note } : {}),
    };
    const state = await this.engineState(c);
    const step = await this.runner.completeUserTask(
      c.id,
      version.bpmn_xml,
      state,
      input.activityId,
      variablesOf(next),
    );
    const updated = await this.persistStep(c, step, next, actor, {
      completedActivity: input.activityId,
      extra: (trx) =>
        this.deps.audit.record(
          actor,
          {
            action: 'egov_case.step_completed',
            targetType: 'egov_case',
            targetId: c.id,
            municipalityId: c.municipality_id,
            details: {
              activityId: input.activityId,
              decision: input.decision ?? null,
              version: version.version,
            },
          },
          trx,
        ),
    });
    return updated;
  }

  /** Timers: the wake job recovers the engine; expired timers fire, others wait for the next wake. */
  async wake(caseId: string): Promise<void> {
    const c = await this.repository().findCase(caseId);
    if (!c?.engine_state_encrypted || c.status === 'completed' || c.status === 'rejected') return;
    const [version, data, state] = await Promise.all([
      this.deps.catalogue.content(c.service_version_id),
      this.data(c),
      this.engineState(c),
    ]);
    const step = await this.runner.resume(c.id, version.bpmn_xml, state, variablesOf(data));
    await this.persistStep(c, step, data, systemActor('egov-timer'), {});
  }

  async addMessage(
    c: EgovCase,
    sender: 'citizen' | 'staff',
    authorId: string | null,
    body: string,
    actor: AuditActor,
  ) {
    if (c.status === 'draft') throw Errors.conflict('Submit the application first');
    await this.deps.keys.key(c.municipality_id); // PGlite: no key look-up inside the transaction
    return this.db.transaction().execute(async (trx) => {
      const message = await this.insertMessage(trx, c, sender, authorId, body);
      if (sender === 'citizen' && c.status === 'action_required') {
        const row = await this.repository(trx).updateCase(c.id, c.engine_revision, { status: 'in_progress' });
        if (!row) throw Errors.conflict('The case changed meanwhile; reload it');
      }
      if (sender === 'staff')
        await this.notifyCitizen(
          trx,
          c,
          'Neue Nachricht zu Ihrem Antrag',
          'Sie haben eine neue Nachricht im Bürgerservice.',
        );
      await this.deps.audit.record(
        actor,
        {
          action: 'egov_case.message_sent',
          targetType: 'egov_case',
          targetId: c.id,
          municipalityId: c.municipality_id,
          details: { sender },
        },
        trx,
      );
      return message;
    });
  }

  /**
   * A fee the caseworker sets after submission (pay-per-link): a payment of the case with a reference of
   * its own (`<case reference>-G<n>`) and a message in the case's mailbox with the link, which tells the
   * citizen by e-mail as every message does. Asking again for the same open fee (same amount and purpose)
   * gives the same payment with a fresh link; the earlier link stops working.
   */
  async requestLaterFee(
    c: EgovCase,
    fee: { amountCents: number; purpose: string },
    actor: AuditActor,
  ): Promise<{ paymentId: string; payUrl: string }> {
    if (c.status === 'draft') throw Errors.conflict('Submit the application first');
    if (!this.deps.payments.enabled) throw Errors.unavailable('No payment provider is configured');
    const earlier = await this.deps.payments.list(c.municipality_id, {
      sourceType: LATER_FEE_SOURCE,
      sourceId: c.id,
      limit: 1_000,
    });
    const same = earlier.find(
      (p) => p.status === 'open' && p.amount_cents === fee.amountCents && p.purpose === fee.purpose,
    );
    const { payment, payUrl } = await this.deps.payments.request(
      {
        municipalityId: c.municipality_id,
        sourceType: LATER_FEE_SOURCE,
        sourceId: c.id,
        reference: same?.reference ?? `${c.reference}-G${earlier.length + 1}`,
        purpose: fee.purpose,
        amountCents: fee.amountCents,
        returnPath: citizenCasePath(c.id),
      },
      actor,
    );
    await this.addMessage(
      c,
      'staff',
      actor.userId,
      `Für Ihren Antrag ist eine Gebühr angefallen: ${fee.purpose}, ${formatEuro(fee.amountCents)}. ` +
        `Bitte bezahlen Sie sie online: ${payUrl}`,
      actor,
    );
    return { paymentId: payment.id, payUrl };
  }

  async messages(c: EgovCase) {
    const rows = await this.repository().listMessages(c.id);
    return Promise.all(
      rows.map(async (m) => ({
        id: m.id,
        sender: m.sender,
        author: m.sender === 'staff' ? m.author_name : null,
        body: await this.deps.keys.decryptJson<string>(
          c.municipality_id,
          `${c.id}:message:${m.id}`,
          m.body_encrypted,
        ),
        createdAt: m.created_at,
      })),
    );
  }

  files(c: EgovCase) {
    return this.repository().listFiles(c.id);
  }

  /** A file of the case to download; the caller has checked who may read the case. */
  async openFile(c: EgovCase, fileId: string): Promise<{ file: EgovCaseFile; body: Buffer | Readable }> {
    const file = await this.repository().findFile(c.id, fileId);
    if (!file) throw Errors.notFound('File');
    const recent = file.kind === 'receipt' ? this.#recentReceipts.get(file.id) : undefined;
    if (recent) return { file, body: recent };
    const storage = await this.deps.keys.files(c.municipality_id);
    return { file, body: (await storage.get(file.storage_key)).stream };
  }

  /** Writes a document PDF from a template; idempotent per activity and template (jobs may repeat). */
  async generateDocument(caseId: string, template: string, activityId: string): Promise<void> {
    const c = await this.repository().findCase(caseId);
    if (!c) return;
    const marker = `${activityId}:${template}`;
    const existing = await this.repository().listFiles(c.id);
    if (existing.some((f) => f.kind === 'document' && f.field_key === marker)) return;
    const { version, params } = await this.serviceOf(c);
    const municipality = await this.municipality(c.municipality_id);
    const data = await this.data(c);
    const applicant = (data.form.antragsteller ?? {}) as Record<string, unknown>;
    const filled = fillTemplate(template, {
      reference: c.reference,
      serviceName: version.name,
      municipalityName: municipality.name,
      office: params.responsible_office,
      applicantName:
        [applicant.vorname, applicant.familienname].filter(Boolean).join(' ') ||
        'Antragstellerin oder Antragsteller',
      date: new Date().toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin' }),
      fee: formatEuro(c.fee_cents),
      note: data.decisionNote ?? '',
    });
    const pdf = await renderPdf({
      title: filled.title,
      subject: `${version.name} – ${c.reference}`,
      sender: [`Gemeinde ${municipality.name}`, params.responsible_office || 'Bürgerservice'],
      paragraphs: filled.paragraphs,
      footer: c.test_mode
        ? 'TESTVORGANG'
        : 'Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.',
    });
    const id = crypto.randomUUID();
    const key = `m/${c.municipality_id}/egov/cases/${c.id}/${id}`;
    const stored = await (
      await this.deps.keys.files(c.municipality_id)
    ).put(key, Readable.from([pdf]), { contentType: 'application/pdf' });
    await this.repository().insertFile({
      id,
      case_id: c.id,
      municipality_id: c.municipality_id,
      kind: 'document',
      field_key: marker,
      file_name: `${filled.title.replace(/[^\wäöüÄÖÜß -]/g, '').replace(/\s+/g, '-')}-${c.reference}.pdf`,
      content_type: 'application/pdf',
      size: stored.size,
      sha256: stored.sha256,
      storage_key: key,
    });
  }

  // --- data protection -------------------------------------------------------------------------------

  /** Deletes cases past their retention and drafts nobody finished; files first, then rows. */
  async deleteExpired(now = new Date()): Promise<number> {
    const repository = this.repository();
    const due = [
      ...(await repository.casesToDelete(now, 200)),
      ...(await repository.staleDrafts(new Date(now.getTime() - 30 * 86_400_000), 200)),
    ];
    for (const c of due) {
      const storage = await this.deps.keys.files(c.municipality_id);
      for (const file of await repository.listFiles(c.id)) await storage.delete(file.storage_key);
      const tasks = await this.deps.work.list({
        municipalityIds: [c.municipality_id],
        statuses: ['open', 'in_progress'],
        source: { type: CASE_SOURCE, idPrefix: `${c.id}:` },
        limit: 200,
      });
      for (const task of tasks.filter(
        (t) => t.source_type === CASE_SOURCE && t.source_id.startsWith(`${c.id}:`),
      ))
        await this.deps.work.cancel(task, 'Aufbewahrungsfrist abgelaufen', systemActor('egov-retention'));
      await this.db.transaction().execute(async (trx) => {
        await this.repository(trx).deleteCase(c.id);
        await this.deps.audit.record(
          systemActor('egov-retention'),
          {
            action: 'egov_case.deleted',
            targetType: 'egov_case',
            targetId: c.id,
            municipalityId: c.municipality_id,
            details: { reason: 'retention' },
          },
          trx,
        );
      });
    }
    return due.length;
  }

  /**
   * The citizen deleted their account: cases are kept until their retention ends (the authority must keep
   * them, GDPR Art. 17(3)(b)) but are unlinked from the account. Unsubmitted drafts become unreachable and
   * the retention job removes them with the other stale drafts.
   */
  unlinkCitizen(userId: string, executor: Database): Promise<number> {
    return this.repository(executor).unlinkCitizen(userId);
  }

  /** Everything the platform holds about a citizen's cases, decrypted (GDPR Art. 15/20). */
  async exportForCitizen(userId: string) {
    const cases = await this.repository().listCitizenCases(userId);
    return Promise.all(
      cases.map(async (row) => {
        const c = await this.get(row.id);
        const data = await this.data(c);
        return {
          reference: c.reference,
          service: row.service_name,
          municipality: row.municipality_name,
          status: c.status,
          createdAt: c.created_at.toISOString(),
          submittedAt: c.submitted_at?.toISOString() ?? null,
          feeCents: c.fee_cents,
          form: data.form,
          messages: (await this.messages(c)).map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
          files: (await this.files(c)).map((f) => ({
            id: f.id,
            kind: f.kind,
            fileName: f.file_name,
            size: f.size,
            sha256: f.sha256,
          })),
        };
      }),
    );
  }

  // --- internals -------------------------------------------------------------------------------------

  private async municipality(id: string): Promise<Municipal> {
    const found = await this.deps.findMunicipality(id);
    if (!found) throw Errors.notFound('Municipality');
    return found;
  }

  private async insertMessage(
    trx: Database,
    c: EgovCase,
    sender: 'citizen' | 'staff' | 'system',
    authorId: string | null,
    body: string,
  ) {
    const id = crypto.randomUUID();
    return this.repository(trx).insertMessage({
      id,
      case_id: c.id,
      municipality_id: c.municipality_id,
      sender,
      author_id: authorId,
      body_encrypted: await this.deps.keys.encryptJson(c.municipality_id, `${c.id}:message:${id}`, body),
    });
  }

  private async notifyCitizen(trx: Database, c: EgovCase, subject: string, text: string) {
    const data = await this.data(c);
    const email = contactEmail(data.form);
    if (!email) return;
    await this.deps.notifications.sendEmail(
      {
        to: email,
        subject: `${subject} (${c.reference})`,
        text: `Guten Tag,\n\n${text}\n\nAktenzeichen: ${c.reference}\n`,
      },
      { executor: trx, municipalityId: c.municipality_id },
    );
  }

  /**
   * Saves a process step: engine state, status, effects (jobs, messages, work tasks) in one
   * transaction guarded by the case's revision; afterwards closes work tasks of finished steps.
   */
  private async persistStep(
    c: EgovCase,
    step: StepResult,
    data: CaseData,
    actor: AuditActor,
    options: StepOptions,
  ): Promise<EgovCase> {
    const loaded = options.loaded ?? (await this.serviceOf(c));
    const { version, params } = loaded;
    const base: EgovCaseStatus = options.status ?? c.status;
    let status = base;
    for (const effect of step.effects) if (effect.kind === 'status') status = effect.status;
    // "received" from the model never undoes what staff did meanwhile (claimed: in_progress).
    if (status === 'received' && base !== 'received') status = base;
    // Outside events the process waits for, settled before the write: the fee and the delivery target.
    const payment = await this.preparePayment(c, version, step, actor, c.fee_cents);
    if (payment.data) data = { ...data, payment: payment.data };
    if (payment.pending) status = 'action_required';
    const delivery = step.effects.some((e) => e.kind === 'connector')
      ? await this.prepareDelivery(c, version, data)
      : null;
    const settled = new Set<'payment' | 'delivery'>();
    if (!payment.pending) settled.add('payment');
    if (!delivery) settled.add('delivery');
    const continueWith = step.waits.find((w) => settled.has(w.message as 'payment'))?.message as
      'payment' | 'delivery' | undefined;
    if (step.ended && status !== 'rejected') status = 'completed';
    const closed = status === 'completed' || status === 'rejected';
    const sealedData = await this.deps.keys.encryptJson(c.municipality_id, c.id, data);
    const engineState = step.ended
      ? null
      : await this.deps.keys.encryptJson(c.municipality_id, engineStateContext(c.id), step.state);
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).updateCase(c.id, c.engine_revision, {
        status,
        data_encrypted: sealedData,
        engine_state_encrypted: engineState,
        ...(closed && !c.closed_at
          ? {
              closed_at: new Date(),
              delete_after: new Date(Date.now() + version.retention_days * 86_400_000),
            }
          : {}),
      });
      if (!row) throw Errors.conflict('The case changed meanwhile; reload it');
      for (const effect of step.effects) await this.applyEffect(trx, row, version, effect);
      if (payment.note) await this.insertMessage(trx, row, 'system', null, payment.note);
      if (delivery) await this.deps.connectors.deliver({ ...delivery, sourceId: c.id }, actor, trx);
      for (const task of step.userTasks) {
        await this.deps.work.createTask(
          {
            municipalityId: c.municipality_id,
            teamId: params.team_id,
            sourceType: CASE_SOURCE,
            sourceId: `${c.id}:${task.activityId}`,
            title: `${c.test_mode ? '[Test] ' : ''}${version.name}: ${task.name} (${c.reference})`,
            description: `Vorgang ${c.reference}. Bearbeiten unter /verwaltung/vorgaenge/${c.id}`,
            dueAt: c.due_at,
            priority: 'normal',
          },
          actor,
          trx,
        );
      }
      if (step.nextTimerAt) {
        await this.deps.jobs.enqueue(
          'egov.case.wake',
          { caseId: c.id },
          {
            runAt: step.nextTimerAt,
            municipalityId: c.municipality_id,
            uniqueKey: `egov-wake:${c.id}:${step.nextTimerAt.getTime()}`,
          },
          trx,
        );
      }
      if (status !== c.status) {
        await this.deps.audit.record(
          actor,
          {
            action: 'egov_case.status_changed',
            targetType: 'egov_case',
            targetId: c.id,
            municipalityId: c.municipality_id,
            details: { from: c.status, to: status },
          },
          trx,
        );
        if (closed)
          await this.notifyCitizen(
            trx,
            row,
            'Ihr Antrag ist bearbeitet',
            status === 'completed'
              ? 'Ihr Antrag ist erledigt. Dokumente finden Sie im Bürgerservice.'
              : 'Ihr Antrag wurde abgelehnt. Den Bescheid finden Sie im Bürgerservice.',
          );
      }
      await options.extra?.(trx);
      return row;
    });
    // Close the inbox items of steps that are no longer waiting (done by this step, or ended by a timer).
    // A case starting its process ran no step before, so it has no inbox items yet: nothing to look up.
    const waiting = new Set(step.userTasks.map((t) => `${c.id}:${t.activityId}`));
    const open = options.first
      ? []
      : await this.deps.work.list({
          municipalityIds: [c.municipality_id],
          statuses: ['open', 'in_progress'],
          source: { type: CASE_SOURCE, idPrefix: `${c.id}:` },
          limit: 200,
        });
    for (const task of open.filter(
      (t) => t.source_type === CASE_SOURCE && t.source_id.startsWith(`${c.id}:`) && !waiting.has(t.source_id),
    )) {
      if (task.source_id === `${c.id}:${options.completedActivity}`) {
        this.#completing.add(task.id);
        await this.deps.work.complete(task, null, actor).finally(() => this.#completing.delete(task.id));
      } else await this.deps.work.cancel(task, 'Prozessschritt beendet', actor);
    }
    // Nothing to wait for (no fee, no destination): the process goes straight on.
    // A first step that opened no inbox items leaves none for the step that goes on from it.
    if (continueWith)
      return this.receive(updated, continueWith, data, actor, {
        previous: { state: step.state, first: !!options.first && step.userTasks.length === 0, loaded },
      });
    return updated;
  }

  /** The case's service version (its content, from memory) and the municipality's parameters for it. */
  private async serviceOf(c: EgovCase): Promise<CaseServiceContext> {
    const version = await this.deps.catalogue.content(c.service_version_id);
    return { version, params: await this.deps.catalogue.params(c.municipality_id, version.service_id) };
  }

  /** The process engine's saved state of a case whose process has started. */
  private engineState(c: EgovCase): Promise<unknown> {
    return this.deps.keys.decryptJson<unknown>(
      c.municipality_id,
      engineStateContext(c.id),
      c.engine_state_encrypted!,
    );
  }

  /** Requests the fee online when the step asked for it; without a provider the fee is invoiced. */
  private async preparePayment(
    c: EgovCase,
    version: VersionContent,
    step: StepResult,
    actor: AuditActor,
    amountCents: number,
  ): Promise<{ pending: boolean; note: string | null; data?: CaseData['payment'] }> {
    if (!step.effects.some((e) => e.kind === 'payment') || amountCents === 0)
      return { pending: false, note: null };
    if (!this.deps.payments.enabled)
      return {
        pending: false,
        note: `Die Gebühr von ${formatEuro(amountCents)} wird mit dem Bescheid in Rechnung gestellt.`,
      };
    const { payment, payUrl } = await this.deps.payments.request(
      {
        municipalityId: c.municipality_id,
        sourceType: CASE_SOURCE,
        sourceId: c.id,
        reference: c.reference,
        purpose: `${version.name} (${c.reference})`,
        amountCents,
        returnPath: citizenCasePath(c.id),
      },
      actor,
    );
    const paid = payment.status === 'paid';
    return {
      pending: !paid,
      note: paid ? null : `Bitte bezahlen Sie die Gebühr von ${formatEuro(amountCents)} online: ${payUrl}`,
      data: { paymentId: payment.id, url: payUrl, paid },
    };
  }

  /** The submission for the service's connector destination; null when the case stays in the platform. */
  private async prepareDelivery(c: EgovCase, version: VersionContent, data: CaseData) {
    const service = await this.deps.catalogue.service(version.service_id);
    const destination = await this.deps.connectors.destinationFor(c.municipality_id, [
      service.leika_key,
      service.slug,
    ]);
    if (!destination) return null;
    const files = await this.repository().listFiles(c.id);
    return {
      municipalityId: c.municipality_id,
      serviceKey: destination.service_key,
      sourceType: CASE_SOURCE,
      submission: {
        reference: c.reference,
        serviceIdentifier: service.leika_key,
        serviceName: version.name,
        data: data.form,
        attachments: files
          .filter((f) => f.kind === 'attachment')
          .map((f) => ({ fileKey: f.storage_key, filename: f.file_name, mediaType: f.content_type })),
      },
    };
  }

  private async applyEffect(
    trx: Database,
    c: EgovCase,
    version: VersionContent,
    effect: Effect,
  ): Promise<void> {
    switch (effect.kind) {
      case 'status':
        return;
      case 'document':
        await this.deps.jobs.enqueue(
          'egov.case.document',
          { caseId: c.id, template: effect.template, activityId: effect.activityId },
          { municipalityId: c.municipality_id, uniqueKey: `egov-document:${c.id}:${effect.activityId}` },
          trx,
        );
        return;
      case 'payment':
      case 'connector':
        return; // settled in persistStep (preparePayment, prepareDelivery)
      case 'notify':
        await this.notifyCitizen(
          trx,
          c,
          'Neuigkeiten zu Ihrem Antrag',
          'Es gibt Neuigkeiten zu Ihrem Antrag im Bürgerservice.',
        );
        return;
      case 'reminder': {
        if (!c.assignee_id) return;
        const assignee = await trx
          .selectFrom('users')
          .select('email')
          .where('id', '=', c.assignee_id)
          .executeTakeFirst();
        if (!assignee) return;
        await this.deps.notifications.sendEmail(
          {
            to: assignee.email,
            subject: `Erinnerung: Vorgang ${c.reference}`,
            text: `Der Vorgang ${c.reference} (${version.name}) wartet auf Bearbeitung.`,
          },
          {
            executor: trx,
            municipalityId: c.municipality_id,
            uniqueKey: `egov-reminder:${c.id}:${effect.activityId}`,
          },
        );
        return;
      }
    }
  }
}

interface StepOptions {
  /** The process's first step (the start job): the case has no inbox items yet. */
  first?: boolean;
  completedActivity?: string;
  /** The status before the step's own status effects (default: unchanged). */
  status?: EgovCaseStatus;
  extra?: (trx: Database) => Promise<void>;
  /** Rows the caller loaded already (submit), so the step does not read them again. */
  loaded?: CaseServiceContext;
}

/** A case's service version and its municipality's parameters (serviceOf). */
interface CaseServiceContext {
  version: VersionContent;
  params: MunicipalityServiceParams;
}

/** The encryption context of a case's engine state (its data has the case id alone). */
const engineStateContext = (caseId: string) => `${caseId}:engine`;

/** The unique key of a case's start job: one pending start per case. */
const startJobKey = (caseId: string) => `egov-start:${caseId}`;

/** Submitted, and its process not started yet (the `egov.case.start` job is pending or failed). */
export function awaitsProcessStart(c: EgovCase): boolean {
  return (
    c.submitted_at !== null &&
    c.engine_state_encrypted === null &&
    c.status !== 'completed' &&
    c.status !== 'rejected'
  );
}

export function variablesOf(data: CaseData): Record<string, unknown> {
  return { form: data.form, decision: data.decision ?? null };
}

function contactEmail(form: Record<string, unknown>): string | null {
  const applicant = form.antragsteller as Record<string, unknown> | undefined;
  const email = applicant?.email ?? form.email;
  return typeof email === 'string' && email.includes('@') ? email : null;
}

function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\\/\0\r\n"]/g, '_')
    .trim()
    .slice(0, 200);
  return cleaned || 'Anhang';
}

/** Stops a stream that grows past `max` bytes with a 413. */
function limitStream(source: Readable, max: number): Readable {
  let seen = 0;
  return Readable.from(
    (async function* () {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > max)
          throw new AppError('payload_too_large', 413, `Files may be at most ${max / 1024 / 1024} MiB`);
        yield chunk;
      }
    })(),
  );
}
