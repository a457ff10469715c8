// Feedback and ideas on the Smart Region project. Nothing a citizen sends is public until the team
// publishes it together with its answer; names and e-mail addresses never are.
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { Feedback } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { FeedbackRepository } from './feedback.repository.js';

export type FeedbackInput = Parameters<FeedbackRepository['insert']>[0];

export class FeedbackService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new FeedbackRepository(executor);
  }

  async submit(input: FeedbackInput, actor: AuditActor): Promise<Feedback> {
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).insert(input);
      await this.audit.record(
        actor,
        {
          action: 'feedback.received',
          targetType: 'feedback',
          targetId: row.id,
          municipalityId: input.municipalityId,
        },
        trx,
      );
      return row;
    });
  }

  listPublished(regionId: string | undefined, limit: number) {
    return this.repository().listPublished(regionId, limit);
  }

  listForRegions(regionIds: string[] | 'all', status?: Feedback['status']) {
    return this.repository().listForRegions(regionIds, status);
  }

  async get(id: string): Promise<Feedback> {
    const row = await this.repository().find(id);
    if (!row) throw Errors.notFound('Feedback');
    return row;
  }

  /** Answers and publishes (or hides) a piece of feedback. */
  async moderate(
    feedback: Feedback,
    change: { answer: string | null; status: 'published' | 'hidden' },
    actor: AuditActor,
  ): Promise<Feedback> {
    if (change.status === 'published' && !change.answer?.trim())
      throw Errors.validation('Published feedback needs an answer from the team');
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).moderate(feedback.region_id, feedback.id, {
        ...change,
        answeredBy: actor.userId,
      });
      await this.audit.record(
        actor,
        {
          action: `feedback.${change.status}`,
          targetType: 'feedback',
          targetId: feedback.id,
          municipalityId: feedback.municipality_id,
        },
        trx,
      );
      return row;
    });
  }
}
