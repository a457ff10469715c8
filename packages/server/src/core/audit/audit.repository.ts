import type { Database } from '../db/database.js';
import type { AuditLogTable } from '../db/schema.js';
import type { Insertable, Selectable } from 'kysely';

export type AuditEntry = Selectable<AuditLogTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;

export interface AuditQuery {
  /** 'all' for platform admins; otherwise the municipalities whose log may be read. */
  municipalityIds: string[] | 'all';
  municipalityId?: string | undefined;
  action?: string | undefined;
  actorUserId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset pagination: entries with a smaller id. */
  beforeId?: number | undefined;
  limit: number;
}

export class AuditRepository {
  constructor(private readonly db: Database) {}

  async insert(entry: NewAuditEntry, executor: Database = this.db): Promise<void> {
    await executor.insertInto('audit_log').values(entry).execute();
  }

  list(query: AuditQuery): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (query.municipalityIds !== 'all') {
      if (query.municipalityIds.length === 0) return Promise.resolve([]);
      q = q.where('municipality_id', 'in', query.municipalityIds);
    }
    if (query.municipalityId) q = q.where('municipality_id', '=', query.municipalityId);
    if (query.action) q = q.where('action', '=', query.action);
    if (query.actorUserId) q = q.where('actor_user_id', '=', query.actorUserId);
    if (query.from) q = q.where('at', '>=', query.from);
    if (query.to) q = q.where('at', '<', query.to);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    return q.orderBy('id', 'desc').limit(query.limit).execute();
  }
}
