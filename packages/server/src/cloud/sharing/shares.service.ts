// Shares of a folder or file with a club group or a single member, read or write. What they mean for
// access is decided in files/access.ts; this service keeps them and audits every change in the same
// transaction.
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { Club, CloudNode } from '../../core/db/schema.js';
import { AppError, Errors } from '../../core/errors.js';
import type { ClubsService } from '../clubs.service.js';
import { SharesRepository, type ShareRow } from './shares.repository.js';

export const ShareErrors = {
  exists: () => new AppError('cloud_share_exists', 409, 'This item is already shared with them'),
  targetInvalid: () =>
    new AppError('cloud_share_target_invalid', 400, 'Share with exactly one group or one member'),
};

export type ShareAccess = 'read' | 'write';

export class CloudSharesService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly clubs: ClubsService,
  ) {}

  private repository(executor: Database = this.db) {
    return new SharesRepository(executor);
  }

  listOfNode(club: Club, node: CloudNode) {
    return this.repository().list(club.id, node.id);
  }

  listOfClub(club: Club) {
    return this.repository().list(club.id);
  }

  async get(club: Club, shareId: string): Promise<ShareRow> {
    const share = await this.repository().find(club.id, shareId);
    if (!share) throw Errors.notFound('Share');
    return share;
  }

  async create(
    club: Club,
    node: CloudNode,
    target: { groupId?: string | undefined; userId?: string | undefined },
    access: ShareAccess,
    actor: AuditActor,
  ): Promise<ShareRow> {
    if (node.deleted_at) throw Errors.notFound('File');
    if (Boolean(target.groupId) === Boolean(target.userId)) throw ShareErrors.targetInvalid();
    // Only the club's own groups and members (not anyone's id).
    if (target.groupId && !(await this.clubs.listGroups(club)).some((g) => g.id === target.groupId))
      throw Errors.notFound('Group');
    if (target.userId && !(await this.clubs.listMembers(club)).some((m) => m.userId === target.userId))
      throw Errors.notFound('Member');
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (await repository.findFor(club.id, node.id, target)) throw ShareErrors.exists();
      const share = await repository.insert({
        clubId: club.id,
        nodeId: node.id,
        groupId: target.groupId ?? null,
        userId: target.userId ?? null,
        access,
        createdBy: actor.userId,
      });
      await this.record(club, share, 'cloud.share_created', actor, trx);
      return share;
    });
  }

  async setAccess(club: Club, share: ShareRow, access: ShareAccess, actor: AuditActor): Promise<ShareRow> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).setAccess(club.id, share.id, access);
      await this.record(club, updated, 'cloud.share_changed', actor, trx);
      return updated;
    });
  }

  async remove(club: Club, share: ShareRow, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).delete(club.id, share.id);
      await this.record(club, share, 'cloud.share_removed', actor, trx);
    });
  }

  private record(club: Club, share: ShareRow, action: string, actor: AuditActor, trx: Database) {
    return this.audit.record(
      actor,
      {
        action,
        targetType: 'cloud_share',
        targetId: share.id,
        municipalityId: club.municipality_id,
        details: {
          clubId: club.id,
          nodeId: share.node_id,
          groupId: share.group_id,
          userId: share.user_id,
          access: share.access,
        },
      },
      trx,
    );
  }
}
