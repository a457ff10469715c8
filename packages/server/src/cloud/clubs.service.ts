// Clubs and their people: applications decided by municipal staff, members invited by e-mail, groups
// with rights, quotas, and support requests that land in the municipality's work inbox. Every write and
// its audit entry share a transaction; mails are queued in it too, so a rolled-back invite sends nothing.
import type { Config } from '../config.js';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import { newToken, sha256 } from '../core/auth/tokens.js';
import type { Database } from '../core/db/database.js';
import type { Club, ClubMemberRole, FileAccess, SupportStatus } from '../core/db/schema.js';
import { AppError, Errors } from '../core/errors.js';
import type { NotificationService } from '../core/notifications/index.js';
import type { WorkService } from '../core/work/work.service.js';
import { ClubsRepository } from './clubs.repository.js';
import type { Membership } from './clubs.policy.js';

export const DEFAULT_QUOTA_BYTES = 1024 ** 4;
export const INVITATION_VALID_DAYS = 14;
export const INVITATION_PAGE_PATH = '/vereinscloud/einladung';
export const SUPPORT_TASK_SOURCE = 'club_support';

export const ClubErrors = {
  slugTaken: () => new AppError('club_slug_taken', 409, 'A club with this short name exists already'),
  notActive: () => new AppError('club_not_active', 409, 'The club has not been approved'),
  alreadyDecided: () => new AppError('club_already_decided', 409, 'The application has been decided already'),
  invitationInvalid: () =>
    new AppError('club_invitation_invalid', 400, 'The invitation is unknown, expired or has been used'),
  lastAdmin: () => new AppError('club_last_admin', 409, 'A club needs at least one admin'),
  quotaExceeded: () => new AppError('club_quota_exceeded', 507, "The club's storage quota is used up"),
};

/** A URL-safe short name from a club name: "TSV Flieden 1920 e.V." → "tsv-flieden-1920-ev". */
export function slugFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\./g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug.length >= 2 ? slug : `verein-${slug || 'x'}`;
}

export interface ClubApplication {
  municipalityId: string;
  name: string;
  registerNumber: string | null;
  contactEmail: string | null;
  slug?: string | undefined;
}

export class ClubsService {
  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly work: WorkService,
  ) {}

  private repository(executor: Database = this.db) {
    return new ClubsRepository(executor);
  }

  async get(id: string): Promise<Club> {
    const club = await this.repository().find(id);
    if (!club) throw Errors.notFound('Club');
    return club;
  }

  async bySlug(slug: string): Promise<Club> {
    const club = await this.repository().findBySlug(slug);
    if (!club) throw Errors.notFound('Club');
    return club;
  }

  async membership(clubId: string, userId: string): Promise<Membership> {
    const repository = this.repository();
    const role = (await repository.memberRole(clubId, userId)) ?? null;
    return { role, groups: role ? await repository.groupsOfUser(clubId, userId) : [] };
  }

  listForUser(userId: string) {
    return this.repository().listForUser(userId);
  }

  listInMunicipalities(municipalityIds: string[] | 'all', status?: Club['status']) {
    return this.repository().listInMunicipalities(municipalityIds, status);
  }

  /** A club applies; the applicant becomes its first admin once staff approve. */
  async apply(application: ClubApplication, applicantId: string, actor: AuditActor): Promise<Club> {
    const slug = application.slug ?? slugFromName(application.name);
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (await repository.slugTaken(slug)) throw ClubErrors.slugTaken();
      const club = await repository.create({
        municipalityId: application.municipalityId,
        slug,
        name: application.name,
        registerNumber: application.registerNumber,
        contactEmail: application.contactEmail,
        appliedBy: applicantId,
      });
      await repository.addMember(club.id, applicantId, 'admin');
      await this.audit.record(
        actor,
        {
          action: 'club.applied',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { name: club.name, slug },
        },
        trx,
      );
      return club;
    });
  }

  async decide(club: Club, approve: boolean, note: string | null, actor: AuditActor): Promise<Club> {
    if (club.status !== 'applied') throw ClubErrors.alreadyDecided();
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).update(club.id, {
        status: approve ? 'active' : 'rejected',
        decided_by: actor.userId,
        decided_at: new Date(),
        decision_note: note,
      });
      await this.audit.record(
        actor,
        {
          action: approve ? 'club.approved' : 'club.rejected',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: note ? { note } : {},
        },
        trx,
      );
      if (club.contact_email) {
        await this.notifications.sendEmail(
          {
            to: club.contact_email,
            subject: approve
              ? `Vereinscloud: ${club.name} ist freigeschaltet`
              : `Vereinscloud: Antrag von ${club.name} abgelehnt`,
            text: approve
              ? `Ihr Verein ${club.name} kann die Vereinscloud jetzt nutzen: ${this.config.PUBLIC_URL}/vereinscloud\n`
              : `Der Antrag von ${club.name} wurde abgelehnt.${note ? `\nBegründung: ${note}` : ''}\n`,
          },
          { municipalityId: club.municipality_id, executor: trx },
        );
      }
      return updated;
    });
  }

  async setQuota(club: Club, quotaBytes: number, actor: AuditActor): Promise<Club> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).update(club.id, { quota_bytes: quotaBytes });
      await this.audit.record(
        actor,
        {
          action: 'club.quota_set',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { from: club.quota_bytes, to: quotaBytes },
        },
        trx,
      );
      return updated;
    });
  }

  async setDefaultMemberAccess(club: Club, access: FileAccess, actor: AuditActor): Promise<Club> {
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).update(club.id, { default_member_access: access });
      await this.audit.record(
        actor,
        {
          action: 'club.member_access_set',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { access },
        },
        trx,
      );
      return updated;
    });
  }

  /** Reserves storage for new content; throws 507 when the quota does not allow it. */
  async reserveStorage(clubId: string, bytes: number, executor?: Database): Promise<void> {
    if (!(await this.repository(executor).changeUsage(clubId, bytes))) throw ClubErrors.quotaExceeded();
  }

  async releaseStorage(clubId: string, bytes: number, executor?: Database): Promise<void> {
    if (bytes > 0) await this.repository(executor).changeUsage(clubId, -bytes);
  }

  // Members and invitations

  listMembers(club: Club) {
    return this.repository().listMembers(club.id);
  }

  listInvitations(club: Club) {
    return this.repository().listOpenInvitations(club.id);
  }

  /** Invites by e-mail; returns the token only so tests and the CLI can follow the link. */
  async invite(
    club: Club,
    email: string,
    role: ClubMemberRole,
    actor: AuditActor,
  ): Promise<{ token: string }> {
    if (club.status !== 'active') throw ClubErrors.notActive();
    const token = newToken();
    const address = email.trim().toLowerCase();
    await this.db.transaction().execute(async (trx) => {
      const id = await this.repository(trx).createInvitation({
        clubId: club.id,
        email: address,
        role,
        tokenHash: sha256(token),
        invitedBy: actor.userId,
        expiresAt: new Date(Date.now() + INVITATION_VALID_DAYS * 86_400_000),
      });
      await this.notifications.sendEmail(
        {
          to: address,
          subject: `Einladung in die Vereinscloud von ${club.name}`,
          text:
            `Sie wurden in die Vereinscloud von ${club.name} eingeladen.\n` +
            `Melden Sie sich an und nehmen Sie die Einladung an (gültig ${INVITATION_VALID_DAYS} Tage):\n` +
            `${this.config.PUBLIC_URL}${INVITATION_PAGE_PATH}?token=${token}\n\n` +
            `You have been invited to the club cloud of ${club.name}; the link above is valid for ${INVITATION_VALID_DAYS} days.\n`,
        },
        { municipalityId: club.municipality_id, executor: trx },
      );
      await this.audit.record(
        actor,
        {
          action: 'club.member_invited',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { invitationId: id, role },
        },
        trx,
      );
    });
    return { token };
  }

  async acceptInvitation(token: string, userId: string, actor: AuditActor): Promise<Club> {
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const invitation = await repository.useInvitation(sha256(token), userId);
      if (!invitation) throw ClubErrors.invitationInvalid();
      const existing = await repository.memberRole(invitation.club_id, userId);
      if (existing !== 'admin') await repository.addMember(invitation.club_id, userId, invitation.role);
      const club = (await repository.find(invitation.club_id))!;
      await this.audit.record(
        actor,
        {
          action: 'club.member_joined',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { userId, role: invitation.role },
        },
        trx,
      );
      return club;
    });
  }

  async setMemberRole(club: Club, userId: string, role: ClubMemberRole, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const current = await repository.memberRole(club.id, userId);
      if (!current) throw Errors.notFound('Member');
      if (current === 'admin' && role !== 'admin' && (await repository.countAdmins(club.id)) <= 1)
        throw ClubErrors.lastAdmin();
      await repository.addMember(club.id, userId, role);
      await this.audit.record(
        actor,
        {
          action: 'club.member_role_set',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { userId, role },
        },
        trx,
      );
    });
  }

  async removeMember(club: Club, userId: string, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const current = await repository.memberRole(club.id, userId);
      if (!current) throw Errors.notFound('Member');
      if (current === 'admin' && (await repository.countAdmins(club.id)) <= 1) throw ClubErrors.lastAdmin();
      await repository.removeMember(club.id, userId);
      await this.audit.record(
        actor,
        {
          action: 'club.member_removed',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { userId },
        },
        trx,
      );
    });
  }

  // Groups

  listGroups(club: Club) {
    return this.repository().listGroups(club.id);
  }

  async createGroup(
    club: Club,
    values: { name: string; fileAccess: FileAccess; mayManageMembers: boolean },
    actor: AuditActor,
  ) {
    return this.db.transaction().execute(async (trx) => {
      const group = await this.repository(trx).createGroup(club.id, values);
      await this.audit.record(
        actor,
        {
          action: 'club.group_created',
          targetType: 'club_group',
          targetId: group.id,
          municipalityId: club.municipality_id,
          details: { name: group.name, fileAccess: group.file_access },
        },
        trx,
      );
      return group;
    });
  }

  async updateGroup(
    club: Club,
    groupId: string,
    values: Partial<{ name: string; fileAccess: FileAccess; mayManageMembers: boolean }>,
    actor: AuditActor,
  ) {
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (!(await repository.findGroup(club.id, groupId))) throw Errors.notFound('Group');
      const group = await repository.updateGroup(groupId, {
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.fileAccess !== undefined ? { file_access: values.fileAccess } : {}),
        ...(values.mayManageMembers !== undefined ? { may_manage_members: values.mayManageMembers } : {}),
      });
      await this.audit.record(
        actor,
        {
          action: 'club.group_updated',
          targetType: 'club_group',
          targetId: groupId,
          municipalityId: club.municipality_id,
          details: values,
        },
        trx,
      );
      return group;
    });
  }

  async deleteGroup(club: Club, groupId: string, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (!(await repository.findGroup(club.id, groupId))) throw Errors.notFound('Group');
      await repository.deleteGroup(groupId);
      await this.audit.record(
        actor,
        {
          action: 'club.group_deleted',
          targetType: 'club_group',
          targetId: groupId,
          municipalityId: club.municipality_id,
        },
        trx,
      );
    });
  }

  async setGroupMember(club: Club, groupId: string, userId: string, member: boolean, actor: AuditActor) {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (!(await repository.findGroup(club.id, groupId))) throw Errors.notFound('Group');
      if (member && !(await repository.memberRole(club.id, userId))) throw Errors.notFound('Member');
      await repository.setGroupMember(groupId, userId, member);
      await this.audit.record(
        actor,
        {
          action: member ? 'club.group_member_added' : 'club.group_member_removed',
          targetType: 'club_group',
          targetId: groupId,
          municipalityId: club.municipality_id,
          details: { userId },
        },
        trx,
      );
    });
  }

  // Support requests

  /** A club asks its municipality for help: a conversation, and a task in the municipal work inbox. */
  async openSupportRequest(club: Club, subject: string, body: string, actor: AuditActor) {
    const result = await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const request = await repository.createSupportRequest({
        clubId: club.id,
        municipalityId: club.municipality_id,
        subject,
        createdBy: actor.userId,
      });
      await repository.addSupportMessage({
        requestId: request.id,
        authorId: actor.userId,
        fromStaff: false,
        body,
      });
      const { task } = await this.work.createTask(
        {
          municipalityId: club.municipality_id,
          sourceType: SUPPORT_TASK_SOURCE,
          sourceId: request.id,
          title: `Vereinscloud-Anfrage: ${club.name} – ${subject}`.slice(0, 200),
          description: body.slice(0, 5000),
        },
        actor,
        trx,
      );
      const linked = await repository.updateSupportRequest(request.id, { task_id: task.id });
      await this.audit.record(
        actor,
        {
          action: 'club.support_opened',
          targetType: 'club_support_request',
          targetId: request.id,
          municipalityId: club.municipality_id,
        },
        trx,
      );
      return linked;
    });
    return result;
  }

  async supportRequest(id: string) {
    const request = await this.repository().findSupportRequest(id);
    if (!request) throw Errors.notFound('Support request');
    return request;
  }

  listSupportRequests(filter: Parameters<ClubsRepository['listSupportRequests']>[0]) {
    return this.repository().listSupportRequests(filter);
  }

  supportMessages(requestId: string) {
    return this.repository().listSupportMessages(requestId);
  }

  /** A message in the conversation; a staff answer marks it answered, a club message reopens it. */
  async replyToSupportRequest(
    requestId: string,
    body: string,
    fromStaff: boolean,
    actor: AuditActor,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const request = await repository.findSupportRequest(requestId);
      if (!request) throw Errors.notFound('Support request');
      await repository.addSupportMessage({ requestId, authorId: actor.userId, fromStaff, body });
      await repository.updateSupportRequest(requestId, { status: fromStaff ? 'answered' : 'open' });
      await this.audit.record(
        actor,
        {
          action: 'club.support_replied',
          targetType: 'club_support_request',
          targetId: requestId,
          municipalityId: request.municipality_id,
          details: { fromStaff },
        },
        trx,
      );
    });
  }

  async setSupportStatus(requestId: string, status: SupportStatus, actor: AuditActor) {
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const request = await repository.findSupportRequest(requestId);
      if (!request) throw Errors.notFound('Support request');
      const updated = await repository.updateSupportRequest(requestId, { status });
      await this.audit.record(
        actor,
        {
          action: 'club.support_status_set',
          targetType: 'club_support_request',
          targetId: requestId,
          municipalityId: request.municipality_id,
          details: { status },
        },
        trx,
      );
      return updated;
    });
  }

  /** Removes the club and every row of it; the file service deletes the bytes first. */
  async deleteClubRecords(club: Club, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).delete(club.id);
      await this.audit.record(
        actor,
        {
          action: 'club.deleted',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { name: club.name, slug: club.slug },
        },
        trx,
      );
    });
  }
}
