// SQL of club exports and club deletion. Every query is scoped by the club (and so by its municipality).
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { CloudExport, CloudExportStatus } from '../../core/db/schema.js';

export class ClubDataRepository {
  constructor(private readonly db: Database) {}

  createExport(values: {
    clubId: string;
    municipalityId: string;
    createdBy: string | null;
    expiresAt: Date;
  }): Promise<CloudExport> {
    return this.db
      .insertInto('cloud_exports')
      .values({
        club_id: values.clubId,
        municipality_id: values.municipalityId,
        created_by: values.createdBy,
        expires_at: values.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findExport(clubId: string, id: string): Promise<CloudExport | undefined> {
    return this.db
      .selectFrom('cloud_exports')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findExportById(id: string): Promise<CloudExport | undefined> {
    return this.db.selectFrom('cloud_exports').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listExports(clubId: string, now: Date): Promise<CloudExport[]> {
    return this.db
      .selectFrom('cloud_exports')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .limit(20)
      .execute();
  }

  async updateExport(
    id: string,
    values: Partial<{
      status: CloudExportStatus;
      files_done: number;
      files_total: number;
      blob_key: string | null;
      size: number | null;
      error: string | null;
      finished_at: Date | null;
    }>,
  ): Promise<void> {
    await this.db.updateTable('cloud_exports').set(values).where('id', '=', id).execute();
  }

  expiredExports(now: Date, limit: number): Promise<CloudExport[]> {
    return this.db
      .selectFrom('cloud_exports')
      .selectAll()
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  }

  async deleteExport(id: string): Promise<void> {
    await this.db.deleteFrom('cloud_exports').where('id', '=', id).execute();
  }

  /** Current (not trashed) nodes of the club, parents before children is not guaranteed. */
  currentNodes(clubId: string) {
    return this.db
      .selectFrom('cloud_nodes')
      .select(['id', 'parent_id', 'name', 'kind', 'size', 'blob_key', 'modified_at'])
      .where('club_id', '=', clubId)
      .where('deleted_at', 'is', null)
      .execute();
  }

  /** Every invitation of the club (open, accepted, expired), without the token hash. */
  invitations(clubId: string) {
    return this.db
      .selectFrom('club_invitations')
      .select(['id', 'email', 'role', 'invited_by', 'expires_at', 'accepted_at', 'accepted_by', 'created_at'])
      .where('club_id', '=', clubId)
      .orderBy('created_at')
      .execute();
  }

  supportRequests(clubId: string) {
    return this.db
      .selectFrom('club_support_requests')
      .select(['id', 'subject', 'status', 'created_by', 'created_at', 'updated_at'])
      .where('club_id', '=', clubId)
      .orderBy('created_at')
      .execute();
  }

  supportMessages(clubId: string) {
    return this.db
      .selectFrom('club_support_messages as m')
      .innerJoin('club_support_requests as r', 'r.id', 'm.request_id')
      .leftJoin('users as u', 'u.id', 'm.author_id')
      .select([
        'm.id',
        'm.request_id',
        'm.author_id',
        'u.display_name as author_name',
        'm.from_staff',
        'm.body',
        'm.created_at',
      ])
      .where('r.club_id', '=', clubId)
      .orderBy('m.created_at')
      .execute();
  }

  /** Public links without token and password hashes. */
  publicLinks(clubId: string) {
    return this.db
      .selectFrom('cloud_public_links as l')
      .innerJoin('cloud_nodes as n', 'n.id', 'l.node_id')
      .select([
        'l.id',
        'l.node_id',
        'n.name as node_name',
        'l.mode',
        'l.expires_at',
        'l.created_by',
        'l.created_at',
        'l.revoked_at',
        'l.revoked_by',
      ])
      .select((eb) => eb('l.password_hash', 'is not', null).as('password_protected'))
      .where('l.club_id', '=', clubId)
      .orderBy('l.created_at')
      .execute();
  }

  // Deletion

  /** Marks the club deleting unless it is already; returns whether this call did it. */
  async markDeleting(clubId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('clubs')
      .set({ status: 'deleting', updated_at: new Date() })
      .where('id', '=', clubId)
      .where('status', '!=', 'deleting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Blob keys the club's rows point at (files, trash, versions, exports), in key order after `after`. */
  async blobKeys(clubId: string, after: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('cloud_nodes')
          .select('blob_key as key')
          .where('club_id', '=', clubId)
          .where('blob_key', 'is not', null)
          .union(
            eb
              .selectFrom('cloud_versions as v')
              .innerJoin('cloud_nodes as n', 'n.id', 'v.node_id')
              .select('v.blob_key as key')
              .where('n.club_id', '=', clubId),
          )
          .union(
            eb
              .selectFrom('cloud_exports')
              .select('blob_key as key')
              .where('club_id', '=', clubId)
              .where('blob_key', 'is not', null),
          )
          .as('k'),
      )
      .select('k.key')
      .where('k.key', '>', after)
      .orderBy('k.key')
      .limit(limit)
      .execute();
    return rows.map((r) => r.key!);
  }

  uploadIds(clubId: string, limit: number): Promise<string[]> {
    return this.db
      .selectFrom('cloud_uploads')
      .select('id')
      .where('club_id', '=', clubId)
      .limit(limit)
      .execute()
      .then((rows) => rows.map((r) => r.id));
  }

  async deleteUpload(clubId: string, id: string): Promise<void> {
    await this.db.deleteFrom('cloud_uploads').where('club_id', '=', clubId).where('id', '=', id).execute();
  }

  /** Published calendar events of the club leave the public feeds with it (publications do not cascade). */
  async unpublishCalendarEvents(clubId: string, municipalityId: string): Promise<void> {
    await this.db
      .deleteFrom('publications')
      .where('municipality_id', '=', municipalityId)
      .where('resource_type', '=', 'calendar_event')
      .where((eb) =>
        eb(
          'resource_id',
          'in',
          eb
            .selectFrom('cloud_calendar_objects as o')
            .innerJoin('cloud_calendars as c', 'c.id', 'o.calendar_id')
            .select(sql<string>`o.id::text`.as('id'))
            .where('c.club_id', '=', clubId),
        ),
      )
      .execute();
  }
}
