// SQL for clubs, their members, groups, invitations and support requests. Club reads are by id or slug;
// lists that cross clubs are always limited to the caller's municipalities.
import { sql } from 'kysely';
import type { Database } from '../core/db/database.js';
import type {
  Club,
  ClubGroup,
  ClubMemberRole,
  ClubStatus,
  ClubSupportMessage,
  ClubSupportRequest,
  FileAccess,
  SupportStatus,
} from '../core/db/schema.js';

export interface NewClub {
  municipalityId: string;
  slug: string;
  name: string;
  registerNumber: string | null;
  contactEmail: string | null;
  appliedBy: string | null;
}

export interface ClubMemberRow {
  userId: string;
  email: string;
  displayName: string;
  role: ClubMemberRole;
  createdAt: Date;
}

export interface MembershipGroup {
  id: string;
  name: string;
  fileAccess: FileAccess;
  mayManageMembers: boolean;
}

export class ClubsRepository {
  constructor(private readonly db: Database) {}

  create(club: NewClub): Promise<Club> {
    return this.db
      .insertInto('clubs')
      .values({
        municipality_id: club.municipalityId,
        slug: club.slug,
        name: club.name,
        register_number: club.registerNumber,
        contact_email: club.contactEmail,
        applied_by: club.appliedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  find(id: string): Promise<Club | undefined> {
    return this.db.selectFrom('clubs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<Club | undefined> {
    return this.db.selectFrom('clubs').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  slugTaken(slug: string): Promise<boolean> {
    return this.db
      .selectFrom('clubs')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirst()
      .then((r) => r !== undefined);
  }

  listInMunicipalities(municipalityIds: string[] | 'all', status?: ClubStatus): Promise<Club[]> {
    let q = this.db.selectFrom('clubs').selectAll();
    if (municipalityIds !== 'all') {
      if (municipalityIds.length === 0) return Promise.resolve([]);
      q = q.where('municipality_id', 'in', municipalityIds);
    }
    if (status) q = q.where('status', '=', status);
    return q.orderBy('name').execute();
  }

  listForUser(userId: string): Promise<(Club & { member_role: ClubMemberRole })[]> {
    return this.db
      .selectFrom('clubs')
      .innerJoin('club_members', 'club_members.club_id', 'clubs.id')
      .selectAll('clubs')
      .select('club_members.role as member_role')
      .where('club_members.user_id', '=', userId)
      .orderBy('clubs.name')
      .execute();
  }

  update(
    id: string,
    values: Partial<{
      status: ClubStatus;
      decided_by: string | null;
      decided_at: Date | null;
      decision_note: string | null;
      quota_bytes: number;
      name: string;
      default_member_access: FileAccess;
    }>,
  ): Promise<Club> {
    return this.db
      .updateTable('clubs')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Adds to the usage if the quota allows it (a negative delta always passes); false when it does not. */
  async changeUsage(id: string, delta: number): Promise<boolean> {
    const result = await this.db
      .updateTable('clubs')
      .set({ used_bytes: sql`greatest(used_bytes + ${delta}::bigint, 0)` })
      .where('id', '=', id)
      .where(sql<boolean>`(${delta}::bigint <= 0 or used_bytes + ${delta}::bigint <= quota_bytes)`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<void> {
    // Support requests point at work tasks and the municipality, not only the club: they go with it.
    await this.db.deleteFrom('clubs').where('id', '=', id).execute();
  }

  // Members
  async addMember(clubId: string, userId: string, role: ClubMemberRole): Promise<void> {
    await this.db
      .insertInto('club_members')
      .values({ club_id: clubId, user_id: userId, role })
      .onConflict((oc) => oc.columns(['club_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  async removeMember(clubId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('club_members')
      .where('club_id', '=', clubId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    await this.db
      .deleteFrom('club_group_members')
      .where('user_id', '=', userId)
      .where('group_id', 'in', this.db.selectFrom('club_groups').select('id').where('club_id', '=', clubId))
      .execute();
    return Number(result.numDeletedRows) > 0;
  }

  listMembers(clubId: string): Promise<ClubMemberRow[]> {
    return this.db
      .selectFrom('club_members')
      .innerJoin('users', 'users.id', 'club_members.user_id')
      .select([
        'users.id as userId',
        'users.email as email',
        'users.display_name as displayName',
        'club_members.role as role',
        'club_members.created_at as createdAt',
      ])
      .where('club_members.club_id', '=', clubId)
      .orderBy('users.display_name')
      .execute();
  }

  memberRole(clubId: string, userId: string): Promise<ClubMemberRole | undefined> {
    return this.db
      .selectFrom('club_members')
      .select('role')
      .where('club_id', '=', clubId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
      .then((r) => r?.role);
  }

  countAdmins(clubId: string): Promise<number> {
    return this.db
      .selectFrom('club_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('club_id', '=', clubId)
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  // Groups
  createGroup(
    clubId: string,
    values: { name: string; fileAccess: FileAccess; mayManageMembers: boolean },
  ): Promise<ClubGroup> {
    return this.db
      .insertInto('club_groups')
      .values({
        club_id: clubId,
        name: values.name,
        file_access: values.fileAccess,
        may_manage_members: values.mayManageMembers,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findGroup(clubId: string, groupId: string): Promise<ClubGroup | undefined> {
    return this.db
      .selectFrom('club_groups')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('id', '=', groupId)
      .executeTakeFirst();
  }

  updateGroup(
    groupId: string,
    values: Partial<{ name: string; file_access: FileAccess; may_manage_members: boolean }>,
  ): Promise<ClubGroup> {
    return this.db
      .updateTable('club_groups')
      .set(values)
      .where('id', '=', groupId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.db.deleteFrom('club_groups').where('id', '=', groupId).execute();
  }

  async listGroups(clubId: string): Promise<(ClubGroup & { member_ids: string[] })[]> {
    const groups = await this.db
      .selectFrom('club_groups')
      .selectAll()
      .where('club_id', '=', clubId)
      .orderBy('name')
      .execute();
    if (groups.length === 0) return [];
    const members = await this.db
      .selectFrom('club_group_members')
      .select(['group_id', 'user_id'])
      .where(
        'group_id',
        'in',
        groups.map((g) => g.id),
      )
      .execute();
    return groups.map((g) => ({
      ...g,
      member_ids: members.filter((m) => m.group_id === g.id).map((m) => m.user_id),
    }));
  }

  async setGroupMember(groupId: string, userId: string, member: boolean): Promise<void> {
    if (member) {
      await this.db
        .insertInto('club_group_members')
        .values({ group_id: groupId, user_id: userId })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .execute();
    } else {
      await this.db
        .deleteFrom('club_group_members')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .execute();
    }
  }

  groupsOfUser(clubId: string, userId: string): Promise<MembershipGroup[]> {
    return this.db
      .selectFrom('club_groups')
      .innerJoin('club_group_members', 'club_group_members.group_id', 'club_groups.id')
      .select([
        'club_groups.id as id',
        'club_groups.name as name',
        'club_groups.file_access as fileAccess',
        'club_groups.may_manage_members as mayManageMembers',
      ])
      .where('club_groups.club_id', '=', clubId)
      .where('club_group_members.user_id', '=', userId)
      .execute();
  }

  // Invitations
  async createInvitation(values: {
    clubId: string;
    email: string;
    role: ClubMemberRole;
    tokenHash: string;
    invitedBy: string | null;
    expiresAt: Date;
  }): Promise<string> {
    const row = await this.db
      .insertInto('club_invitations')
      .values({
        club_id: values.clubId,
        email: values.email,
        role: values.role,
        token_hash: values.tokenHash,
        invited_by: values.invitedBy,
        expires_at: values.expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Uses up an open invitation; undefined when it is unknown, used or expired. */
  useInvitation(
    tokenHash: string,
    userId: string,
  ): Promise<{ club_id: string; role: ClubMemberRole; email: string } | undefined> {
    return this.db
      .updateTable('club_invitations')
      .set({ accepted_at: new Date(), accepted_by: userId })
      .where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning(['club_id', 'role', 'email'])
      .executeTakeFirst();
  }

  listOpenInvitations(clubId: string) {
    return this.db
      .selectFrom('club_invitations')
      .select(['id', 'email', 'role', 'expires_at', 'created_at'])
      .where('club_id', '=', clubId)
      .where('accepted_at', 'is', null)
      .where('expires_at', '>', new Date())
      .orderBy('created_at', 'desc')
      .execute();
  }

  // Support requests
  createSupportRequest(values: {
    clubId: string;
    municipalityId: string;
    subject: string;
    createdBy: string | null;
  }): Promise<ClubSupportRequest> {
    return this.db
      .insertInto('club_support_requests')
      .values({
        club_id: values.clubId,
        municipality_id: values.municipalityId,
        subject: values.subject,
        created_by: values.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findSupportRequest(id: string): Promise<ClubSupportRequest | undefined> {
    return this.db.selectFrom('club_support_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  updateSupportRequest(
    id: string,
    values: Partial<{ status: SupportStatus; task_id: string | null }>,
  ): Promise<ClubSupportRequest> {
    return this.db
      .updateTable('club_support_requests')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listSupportRequests(filter: {
    clubId?: string;
    municipalityIds?: string[] | 'all';
    statuses?: SupportStatus[];
  }): Promise<(ClubSupportRequest & { club_name: string })[]> {
    let q = this.db
      .selectFrom('club_support_requests')
      .innerJoin('clubs', 'clubs.id', 'club_support_requests.club_id')
      .selectAll('club_support_requests')
      .select('clubs.name as club_name');
    if (filter.clubId) q = q.where('club_support_requests.club_id', '=', filter.clubId);
    if (filter.municipalityIds && filter.municipalityIds !== 'all') {
      if (filter.municipalityIds.length === 0) return Promise.resolve([]);
      q = q.where('club_support_requests.municipality_id', 'in', filter.municipalityIds);
    }
    if (filter.statuses?.length) q = q.where('club_support_requests.status', 'in', filter.statuses);
    return q.orderBy('club_support_requests.updated_at', 'desc').limit(200).execute();
  }

  addSupportMessage(values: {
    requestId: string;
    authorId: string | null;
    fromStaff: boolean;
    body: string;
  }): Promise<ClubSupportMessage> {
    return this.db
      .insertInto('club_support_messages')
      .values({
        request_id: values.requestId,
        author_id: values.authorId,
        from_staff: values.fromStaff,
        body: values.body,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listSupportMessages(requestId: string) {
    return this.db
      .selectFrom('club_support_messages')
      .leftJoin('users', 'users.id', 'club_support_messages.author_id')
      .selectAll('club_support_messages')
      .select('users.display_name as author_name')
      .where('request_id', '=', requestId)
      .orderBy('created_at')
      .execute();
  }
}
