// Users and their role grants. Grants are never deleted, only revoked, so the history of who could act
// for which municipality stays visible.
import type { Role } from '@srp/contracts';
import type { Database } from '../db/database.js';
import type { RoleGrant, User } from '../db/schema.js';
import type { ActiveGrant } from '../auth/principal.js';

export interface GrantView {
  id: string;
  role: Role;
  userId: string;
  userEmail: string;
  userDisplayName: string;
  userHomeMunicipalityId: string | null;
  municipalityId: string | null;
  reason: string | null;
  grantedBy: string | null;
  validUntil: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export class IdentityRepository {
  constructor(private readonly db: Database) {}

  findUserByEmail(email: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .executeTakeFirst();
  }

  findUserById(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async createUser(values: {
    email: string;
    displayName: string;
    homeMunicipalityId: string | null;
    passwordHash: string | null;
    locale?: 'de' | 'en';
  }): Promise<User> {
    return this.db
      .insertInto('users')
      .values({
        email: values.email.trim(),
        display_name: values.displayName,
        home_municipality_id: values.homeMunicipalityId,
        password_hash: values.passwordHash,
        locale: values.locale ?? 'de',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async updateUser(
    id: string,
    values: Partial<{
      displayName: string;
      locale: 'de' | 'en';
      appPasswordsOnly: boolean;
      passwordHash: string | null;
      status: 'active' | 'disabled';
      email: string;
    }>,
  ): Promise<User | undefined> {
    return this.db
      .updateTable('users')
      .set({
        ...(values.displayName !== undefined ? { display_name: values.displayName } : {}),
        ...(values.locale !== undefined ? { locale: values.locale } : {}),
        ...(values.appPasswordsOnly !== undefined ? { app_passwords_only: values.appPasswordsOnly } : {}),
        ...(values.passwordHash !== undefined ? { password_hash: values.passwordHash } : {}),
        ...(values.status !== undefined ? { status: values.status } : {}),
        ...(values.email !== undefined ? { email: values.email.trim() } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async recordLogin(id: string): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: new Date() }).where('id', '=', id).execute();
  }

  /** People whose home is the municipality or who hold a grant in it (substitutes). */
  listUsersOfMunicipality(municipalityId: string, limit: number, offset: number): Promise<User[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('home_municipality_id', '=', municipalityId),
          eb(
            'id',
            'in',
            eb
              .selectFrom('role_grants')
              .select('user_id')
              .where('municipality_id', '=', municipalityId)
              .where('revoked_at', 'is', null),
          ),
        ]),
      )
      .orderBy('display_name')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async activeGrants(userId: string): Promise<ActiveGrant[]> {
    const rows = await this.db
      .selectFrom('role_grants as g')
      .leftJoin('municipalities as m', 'm.id', 'g.municipality_id')
      .select(['g.id', 'g.role', 'g.municipality_id', 'g.org_unit_id', 'm.slug', 'm.name'])
      .where('g.user_id', '=', userId)
      .where('g.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('g.valid_until', 'is', null), eb('g.valid_until', '>', new Date())]))
      .orderBy('g.created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      municipalityId: r.municipality_id,
      municipalitySlug: r.slug,
      municipalityName: r.name,
      orgUnitId: r.org_unit_id,
    }));
  }

  private grantViews() {
    return this.db
      .selectFrom('role_grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select([
        'g.id',
        'g.role',
        'g.user_id as userId',
        'u.email as userEmail',
        'u.display_name as userDisplayName',
        'u.home_municipality_id as userHomeMunicipalityId',
        'g.municipality_id as municipalityId',
        'g.reason',
        'g.granted_by as grantedBy',
        'g.valid_until as validUntil',
        'g.revoked_at as revokedAt',
        'g.created_at as createdAt',
      ]);
  }

  listGrantsOfMunicipality(municipalityId: string, includeRevoked: boolean): Promise<GrantView[]> {
    let query = this.grantViews().where('g.municipality_id', '=', municipalityId);
    if (!includeRevoked) query = query.where('g.revoked_at', 'is', null);
    return query.orderBy('g.created_at', 'desc').execute();
  }

  findGrant(id: string): Promise<GrantView | undefined> {
    return this.grantViews().where('g.id', '=', id).executeTakeFirst();
  }

  async createGrant(values: {
    userId: string;
    role: Role;
    municipalityId: string | null;
    orgUnitId?: string | null;
    reason: string | null;
    grantedBy: string | null;
    validUntil: Date | null;
  }): Promise<RoleGrant> {
    return this.db
      .insertInto('role_grants')
      .values({
        user_id: values.userId,
        role: values.role,
        municipality_id: values.municipalityId,
        org_unit_id: values.orgUnitId ?? null,
        reason: values.reason,
        granted_by: values.grantedBy,
        valid_until: values.validUntil,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** An identical active grant, so granting twice is idempotent. */
  findActiveGrant(userId: string, role: Role, municipalityId: string | null): Promise<RoleGrant | undefined> {
    let query = this.db
      .selectFrom('role_grants')
      .selectAll()
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .where('revoked_at', 'is', null);
    query =
      municipalityId === null
        ? query.where('municipality_id', 'is', null)
        : query.where('municipality_id', '=', municipalityId);
    return query.executeTakeFirst();
  }

  async revokeGrant(id: string, revokedBy: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('role_grants')
      .set({ revoked_at: new Date(), revoked_by: revokedBy })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
