import type { Database } from '../db/database.js';

/** Kinds of resources a municipality can show to the public; each domain adds its own. */
export type PublishedResourceType = 'datastream' | 'multi_datastream' | 'location' | 'calendar_event';

export class PublicationRepository {
  constructor(private readonly db: Database) {}

  async publish(
    municipalityId: string,
    type: PublishedResourceType,
    id: string,
    userId: string | null,
  ): Promise<boolean> {
    const result = await this.db
      .insertInto('publications')
      .values({ municipality_id: municipalityId, resource_type: type, resource_id: id, published_by: userId })
      .onConflict((oc) => oc.columns(['resource_type', 'resource_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async unpublish(municipalityId: string, type: PublishedResourceType, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('publications')
      .where('municipality_id', '=', municipalityId)
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async isPublished(type: PublishedResourceType, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('publications')
      .select('resource_id')
      .where('resource_type', '=', type)
      .where('resource_id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Which of `ids` are published as `type` (one query for a whole batch). */
  async publishedAmong(type: PublishedResourceType, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('publications')
      .select('resource_id')
      .where('resource_type', '=', type)
      .where('resource_id', 'in', ids)
      .execute();
    return new Set(rows.map((r) => r.resource_id));
  }

  async listPublished(type: PublishedResourceType, municipalityId?: string): Promise<string[]> {
    let query = this.db.selectFrom('publications').select('resource_id').where('resource_type', '=', type);
    if (municipalityId) query = query.where('municipality_id', '=', municipalityId);
    return (await query.orderBy('published_at').execute()).map((r) => r.resource_id);
  }
}

/**
 * The published ids of one type as a subquery, for other repositories' `where ... in (...)` filters, so a
 * public read is filtered in SQL and never by post-processing. Ids are text here; callers comparing
 * numeric ids cast their column to text.
 */
export function publishedIdsQuery(db: Database, type: PublishedResourceType) {
  return db
    .selectFrom('publications')
    .select('publications.resource_id')
    .where('publications.resource_type', '=', type);
}
