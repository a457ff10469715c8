// The one notion of "published" across domains: a municipality decides which of its resources the
// public may see (a Datastream's values, a sensor's location, later news and reports). Public readers of
// every domain filter by it; publishing and withdrawing are audited.
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { PublicationRepository, type PublishedResourceType } from './publication.repository.js';

export class PublicationService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new PublicationRepository(executor);
  }

  async publish(
    municipalityId: string,
    type: PublishedResourceType,
    id: string,
    actor: AuditActor,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (await this.repository(trx).publish(municipalityId, type, id, actor.userId)) {
        await this.audit.record(
          actor,
          { action: 'publication.published', targetType: type, targetId: id, municipalityId },
          trx,
        );
      }
    });
  }

  async unpublish(
    municipalityId: string,
    type: PublishedResourceType,
    id: string,
    actor: AuditActor,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (await this.repository(trx).unpublish(municipalityId, type, id)) {
        await this.audit.record(
          actor,
          { action: 'publication.withdrawn', targetType: type, targetId: id, municipalityId },
          trx,
        );
      }
    });
  }

  isPublished(type: PublishedResourceType, id: string): Promise<boolean> {
    return this.repository().isPublished(type, id);
  }

  publishedAmong(type: PublishedResourceType, ids: string[]): Promise<Set<string>> {
    return this.repository().publishedAmong(type, ids);
  }

  listPublished(type: PublishedResourceType, municipalityId?: string): Promise<string[]> {
    return this.repository().listPublished(type, municipalityId);
  }
}
