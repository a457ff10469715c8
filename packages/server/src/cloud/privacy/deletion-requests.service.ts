// The club admin's side of deleting a club: they ask, the municipality decides. A request is a row, a
// task in the municipality's work inbox (core's one inbox) and an audit entry, written together. Municipal
// admins confirm it (the club is shut and the deletion job queued in the same transaction) or decline it
// with a reason; the requester is told by e-mail either way and sees the state on the privacy page. A
// pending request may be withdrawn.
import type { Config } from '../../config.js';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { Club } from '../../core/db/schema.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';
import type { NotificationService } from '../../core/notifications/index.js';
import type { WorkService } from '../../core/work/work.service.js';
import type { ClubDataService } from './data.service.js';
import { DeletionRequestsRepository, type DeletionRequestRow } from './deletion-requests.repository.js';

export const DELETION_REQUEST_TASK_SOURCE = 'club_deletion_request';
export const PRIVACY_PAGE_PATH = '/vereinscloud/datenschutz';

export const DeletionRequestErrors = {
  pending: () =>
    new AppError('club_deletion_request_pending', 409, 'A deletion request for this club is pending already'),
  noneOpen: () =>
    new AppError('club_deletion_request_not_pending', 409, 'There is no pending deletion request'),
};

export type DeletionDecision = { confirm: true; reason: string | null } | { confirm: false; reason: string };

export class ClubDeletionRequestService {
  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly work: WorkService,
    private readonly notifications: NotificationService,
    private readonly data: ClubDataService,
  ) {}

  private repository(executor: Database = this.db) {
    return new DeletionRequestsRepository(executor);
  }

  latest(club: Club): Promise<DeletionRequestRow | undefined> {
    return this.repository().latest(club.id);
  }

  pendingIn(municipalityIds: string[] | 'all'): Promise<DeletionRequestRow[]> {
    return this.repository().pendingIn(municipalityIds);
  }

  async request(club: Club, note: string | null, actor: AuditActor): Promise<DeletionRequestRow> {
    await this.db
      .transaction()
      .execute(async (trx) => {
        const repository = this.repository(trx);
        if (await repository.pending(club.id)) throw DeletionRequestErrors.pending();
        const row = await repository.create({
          clubId: club.id,
          municipalityId: club.municipality_id,
          note,
          requestedBy: actor.userId,
        });
        const { task } = await this.work.createTask(
          {
            municipalityId: club.municipality_id,
            sourceType: DELETION_REQUEST_TASK_SOURCE,
            sourceId: row.id,
            title: `Vereinscloud: Löschung von ${club.name} beantragt`.slice(0, 200),
            description:
              `Die Vereinsadministration bittet darum, den Verein ${club.name} mit allen Daten zu löschen.` +
              (note ? `\n\nBegründung: ${note}` : '') +
              `\n\nBestätigen oder ablehnen: ${this.config.PUBLIC_URL}${PRIVACY_PAGE_PATH}`,
          },
          actor,
          trx,
        );
        await repository.setTask(row.id, task.id);
        await this.audit.record(
          actor,
          {
            action: 'club.deletion_requested',
            targetType: 'club',
            targetId: club.id,
            municipalityId: club.municipality_id,
            details: { requestId: row.id },
          },
          trx,
        );
      })
      .catch((error: unknown) => {
        // Two requests at once: the unique index on pending requests lets one through.
        if (!isAppError(error) && /club_deletion_requests_one_pending/.test(String(error)))
          throw DeletionRequestErrors.pending();
        throw error;
      });
    return (await this.repository().pending(club.id))!;
  }

  /** The requester (or another admin of the club) takes a pending request back. */
  async withdraw(club: Club, actor: AuditActor): Promise<void> {
    const closed = await this.db.transaction().execute(async (trx) => {
      const { row } = await this.closePending(trx, club.id, {
        status: 'withdrawn',
        decidedBy: actor.userId,
        reason: null,
      });
      await this.audit.record(
        actor,
        {
          action: 'club.deletion_request_withdrawn',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { requestId: row.id },
        },
        trx,
      );
      return row;
    });
    await this.closeTask(closed.task_id, false, 'Antrag zurückgezogen', actor);
  }

  /** A municipal admin confirms (the deletion starts at once) or declines with a reason. */
  async decide(club: Club, decision: DeletionDecision, actor: AuditActor): Promise<void> {
    const closed = await this.db.transaction().execute(async (trx) => {
      const { open, row } = await this.closePending(trx, club.id, {
        status: decision.confirm ? 'confirmed' : 'declined',
        decidedBy: actor.userId,
        reason: decision.reason,
      });
      await this.audit.record(
        actor,
        {
          action: decision.confirm ? 'club.deletion_request_confirmed' : 'club.deletion_request_declined',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { requestId: row.id, ...(decision.reason ? { reason: decision.reason } : {}) },
        },
        trx,
      );
      if (open.requester_email)
        await this.notifications.sendEmail(
          {
            to: open.requester_email,
            subject: decision.confirm
              ? `Vereinscloud: ${club.name} wird gelöscht`
              : `Vereinscloud: Löschantrag für ${club.name} abgelehnt`,
            text: decision.confirm
              ? `Ihre Gemeinde hat die Löschung des Vereins ${club.name} bestätigt. Der Zugang ist gesperrt, alle Daten werden jetzt gelöscht.` +
                (decision.reason ? `\nHinweis: ${decision.reason}` : '') +
                '\n'
              : `Ihre Gemeinde hat den Antrag auf Löschung des Vereins ${club.name} abgelehnt.\nBegründung: ${decision.reason}\n` +
                `Mehr unter ${this.config.PUBLIC_URL}${PRIVACY_PAGE_PATH}\n`,
          },
          { municipalityId: club.municipality_id, executor: trx },
        );
      if (decision.confirm) await this.data.startDeletion(club, actor, trx);
      return row;
    });
    await this.closeTask(closed.task_id, decision.confirm, decision.reason, actor);
  }

  /** Closes the club's pending request; none pending (or one decided meanwhile) is an error. */
  private async closePending(
    trx: Database,
    clubId: string,
    outcome: Parameters<DeletionRequestsRepository['close']>[2],
  ) {
    const repository = this.repository(trx);
    const open = await repository.pending(clubId);
    const row = open && (await repository.close(clubId, open.id, outcome));
    if (!open || !row) throw DeletionRequestErrors.noneOpen();
    return { open, row };
  }

  /** The inbox task follows the request; one closed by hand in the inbox meanwhile stays as it is. */
  private async closeTask(taskId: string | null, done: boolean, note: string | null, actor: AuditActor) {
    if (!taskId) return;
    const task = await this.work.get(taskId).catch(() => undefined);
    if (!task || task.status === 'done' || task.status === 'cancelled') return;
    try {
      await (done ? this.work.complete(task, note, actor) : this.work.cancel(task, note, actor));
    } catch (error) {
      if (!isAppError(error) || error.status !== 409) throw error;
    }
  }
}

export const requireReason = (reason: string | undefined): string => {
  const trimmed = reason?.trim();
  if (!trimmed) throw Errors.validation('A reason is needed to decline', { field: 'reason' });
  return trimmed;
};
