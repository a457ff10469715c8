import type { Role } from '@srp/contracts';
import type { Database } from '../db/database.js';
import type { RoleGrant, User } from '../db/schema.js';
import { Errors } from '../errors.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { hashPassword, assertAcceptablePassword } from '../auth/passwords.js';
import type { TenancyRepository } from '../tenancy/tenancy.repository.js';
import { IdentityRepository, type GrantView } from './identity.repository.js';

export interface NewPerson {
  email: string;
  displayName: string;
  homeMunicipalityId: string | null;
  password?: string | null | undefined;
  locale?: 'de' | 'en';
}

export class IdentityService {
  constructor(
    private readonly db: Database,
    private readonly repository: IdentityRepository,
    private readonly tenancy: TenancyRepository,
    private readonly audit: AuditService,
  ) {}

  findUserByEmail(email: string): Promise<User | undefined> {
    return this.repository.findUserByEmail(email);
  }

  findUserById(id: string): Promise<User | undefined> {
    return this.repository.findUserById(id);
  }

  /**
   * `alsoInTransaction` runs in the same transaction as the insert, for callers that must create more
   * together with the person (single sign-on links the external identity), all or nothing.
   */
  async createPerson(
    person: NewPerson,
    actor: AuditActor,
    alsoInTransaction?: (trx: Database, user: User) => Promise<void>,
  ): Promise<User> {
    if (person.password) {
      assertAcceptablePassword(person.password, person.email);
    }
    if (await this.repository.findUserByEmail(person.email))
      throw Errors.conflict('A person with this e-mail exists already');
    const passwordHash = person.password ? await hashPassword(person.password) : null;
    return this.db.transaction().execute(async (trx) => {
      const user = await new IdentityRepository(trx).createUser({
        email: person.email,
        displayName: person.displayName,
        homeMunicipalityId: person.homeMunicipalityId,
        passwordHash,
        ...(person.locale ? { locale: person.locale } : {}),
      });
      await this.audit.record(
        actor,
        {
          action: 'user.created',
          targetType: 'user',
          targetId: user.id,
          municipalityId: person.homeMunicipalityId,
          details: { email: user.email },
        },
        trx,
      );
      if (alsoInTransaction) await alsoInTransaction(trx, user);
      return user;
    });
  }

  async setPassword(userId: string, password: string, actor: AuditActor): Promise<void> {
    const user = await this.repository.findUserById(userId);
    if (!user) throw Errors.notFound('User');
    assertAcceptablePassword(password, user.email);
    const passwordHash = await hashPassword(password);
    await this.db.transaction().execute(async (trx) => {
      await new IdentityRepository(trx).updateUser(userId, { passwordHash });
      await this.audit.record(
        actor,
        {
          action: 'user.password_changed',
          targetType: 'user',
          targetId: userId,
          municipalityId: user.home_municipality_id,
        },
        trx,
      );
    });
  }

  async updateProfile(
    userId: string,
    values: {
      displayName?: string | undefined;
      locale?: 'de' | 'en' | undefined;
      appPasswordsOnly?: boolean | undefined;
    },
    actor: AuditActor,
  ): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      const user = await new IdentityRepository(trx).updateUser(userId, values);
      if (!user) throw Errors.notFound('User');
      await this.audit.record(
        actor,
        {
          action: 'user.updated',
          targetType: 'user',
          targetId: userId,
          municipalityId: user.home_municipality_id,
          details: { fields: Object.keys(values) },
        },
        trx,
      );
      return user;
    });
  }

  listPeople(municipalityId: string, limit: number, offset: number): Promise<User[]> {
    return this.repository.listUsersOfMunicipality(municipalityId, limit, offset);
  }

  listGrants(municipalityId: string, includeRevoked: boolean): Promise<GrantView[]> {
    return this.repository.listGrantsOfMunicipality(municipalityId, includeRevoked);
  }

  /**
   * Gives a person a role in a municipality. When the person's home is another municipality, this is a
   * substitution across municipalities: recorded as such in the audit log and shown in the grant list.
   */
  async grantRole(
    values: {
      userId: string;
      role: Role;
      municipalityId: string | null;
      reason: string | null;
      validUntil: Date | null;
    },
    actor: AuditActor,
  ): Promise<RoleGrant> {
    const user = await this.repository.findUserById(values.userId);
    if (!user) throw Errors.notFound('User');
    if (values.municipalityId && !(await this.tenancy.findMunicipality(values.municipalityId)))
      throw Errors.notFound('Municipality');
    if ((values.role === 'platform_admin') !== (values.municipalityId === null)) {
      throw Errors.validation('Only the platform admin role is granted without a municipality');
    }
    const existing = await this.repository.findActiveGrant(values.userId, values.role, values.municipalityId);
    if (existing) return existing;
    const substitution =
      values.municipalityId !== null && values.municipalityId !== user.home_municipality_id;
    return this.db.transaction().execute(async (trx) => {
      const grant = await new IdentityRepository(trx).createGrant({ ...values, grantedBy: actor.userId });
      await this.audit.record(
        actor,
        {
          action: 'grant.created',
          targetType: 'role_grant',
          targetId: grant.id,
          municipalityId: values.municipalityId,
          details: {
            userId: user.id,
            email: user.email,
            role: values.role,
            substitution,
            homeMunicipalityId: user.home_municipality_id,
            reason: values.reason,
            validUntil: values.validUntil?.toISOString() ?? null,
          },
        },
        trx,
      );
      return grant;
    });
  }

  async findGrant(id: string): Promise<GrantView | undefined> {
    return this.repository.findGrant(id);
  }

  async revokeGrant(grant: GrantView, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const revoked = await new IdentityRepository(trx).revokeGrant(grant.id, actor.userId);
      if (!revoked) throw Errors.conflict('The grant has been revoked already');
      await this.audit.record(
        actor,
        {
          action: 'grant.revoked',
          targetType: 'role_grant',
          targetId: grant.id,
          municipalityId: grant.municipalityId,
          details: { userId: grant.userId, email: grant.userEmail, role: grant.role },
        },
        trx,
      );
    });
  }

  activeGrantsOf(userId: string) {
    return this.repository.activeGrants(userId);
  }

  countUsers(): Promise<number> {
    return this.repository.countUsers();
  }
}
