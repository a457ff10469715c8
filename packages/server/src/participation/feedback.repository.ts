// The only SQL of project feedback, scoped by region (feedback is about the shared project).
import type { Database } from '../core/db/database.js';
import type { Feedback } from '../core/db/schema.js';

export class FeedbackRepository {
  constructor(private readonly db: Database) {}

  insert(values: {
    regionId: string;
    municipalityId: string | null;
    kind: 'feedback' | 'idea';
    title: string;
    body: string;
    authorName: string | null;
    authorEmail: string | null;
  }): Promise<Feedback> {
    return this.db
      .insertInto('participation_feedback')
      .values({
        region_id: values.regionId,
        municipality_id: values.municipalityId,
        kind: values.kind,
        title: values.title,
        body: values.body,
        author_name: values.authorName,
        author_email: values.authorEmail,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listPublished(regionId: string | undefined, limit: number): Promise<Feedback[]> {
    let query = this.db.selectFrom('participation_feedback').selectAll().where('status', '=', 'published');
    if (regionId) query = query.where('region_id', '=', regionId);
    return query.orderBy('answered_at', 'desc').limit(limit).execute();
  }

  listForRegions(regionIds: string[] | 'all', status?: Feedback['status']): Promise<Feedback[]> {
    let query = this.db.selectFrom('participation_feedback').selectAll();
    if (regionIds !== 'all') {
      if (regionIds.length === 0) return Promise.resolve([]);
      query = query.where('region_id', 'in', regionIds);
    }
    if (status) query = query.where('status', '=', status);
    return query.orderBy('created_at', 'desc').limit(500).execute();
  }

  find(id: string): Promise<Feedback | undefined> {
    return this.db.selectFrom('participation_feedback').selectAll().where('id', '=', id).executeTakeFirst();
  }

  moderate(
    regionId: string,
    id: string,
    values: { status: 'published' | 'hidden'; answer: string | null; answeredBy: string | null },
  ): Promise<Feedback> {
    return this.db
      .updateTable('participation_feedback')
      .set({
        status: values.status,
        answer: values.answer,
        answered_by: values.answeredBy,
        answered_at: new Date(),
      })
      .where('region_id', '=', regionId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
