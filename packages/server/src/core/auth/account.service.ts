// Citizen accounts of their own: self-registration with double opt-in, e-mail changes confirmed by the
// new address, and deleting one's account. The outside sees the same answer whether an address has an
// account or not (no enumeration): the mail tells the address owner what happened instead.
import type { Config } from '../../config.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { Errors } from '../errors.js';
import { IdentityRepository } from '../identity/identity.repository.js';
import type { NotificationService } from '../notifications/index.js';
import { TenancyRepository } from '../tenancy/tenancy.repository.js';
import {
  accountExistsMail,
  emailChangeMail,
  emailChangeNoticeMail,
  registrationMail,
} from './account.mail.js';
import { AuthRepository } from './auth.repository.js';
import { throttleMailRequest } from './mail-throttle.js';
import { assertAcceptablePassword, hashPassword, verifyPassword } from './passwords.js';
import { senderName } from './password-reset.mail.js';
import { newToken, sha256 } from './tokens.js';

export const VERIFY_TOKEN_VALID_MINUTES = 24 * 60;
export const VERIFY_PAGE_PATH = '/konto-bestaetigen';
export const EMAIL_CHANGE_PAGE_PATH = '/konto/email-bestaetigen';
const REQUEST_RESET_PAGE_PATH = '/passwort-vergessen';
/** Accounts of people with any other role are staff accounts: an administrator removes them. */
const CITIZEN_ROLES: readonly string[] = ['citizen'];

export interface RequestContext {
  ip: string;
  requestId: string;
}

export interface Registration {
  email: string;
  displayName: string;
  password: string;
  municipalityId: string;
  locale: 'de' | 'en';
}

export class AccountService {
  private readonly auth: AuthRepository;
  private readonly identity: IdentityRepository;
  private readonly tenancy: TenancyRepository;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly notifications: NotificationService,
    private readonly audit: AuditService,
  ) {
    this.auth = new AuthRepository(db);
    this.identity = new IdentityRepository(db);
    this.tenancy = new TenancyRepository(db);
  }

  private get site() {
    return new URL(this.config.PUBLIC_URL).host;
  }

  private mailBase(to: string, displayName: string, locale: 'de' | 'en') {
    return {
      to,
      displayName,
      locale,
      site: this.site,
      signature: senderName(this.config.MAIL_FROM, this.site),
    };
  }

  /**
   * Stores the registration and mails the confirmation link; no account exists until it is opened. For an
   * address that has an account, its owner gets a hint instead, and the caller sees no difference.
   */
  async register(input: Registration, context: RequestContext): Promise<void> {
    const email = input.email.trim();
    const normalized = email.toLowerCase();
    const municipality = await this.tenancy.findMunicipality(input.municipalityId);
    if (!municipality) throw Errors.validation('Unknown municipality', { field: 'municipalityId' });
    // Checked before anything is counted or stored: a weak password is the person's own slip.
    assertAcceptablePassword(input.password, email);
    await throttleMailRequest(this.auth, 'register', normalized, context.ip);
    // Hashed in both cases, so the answer takes as long for a known address as for a new one.
    const passwordHash = await hashPassword(input.password);
    const actor: AuditActor = {
      userId: null,
      label: email.slice(0, 320),
      ip: context.ip,
      requestId: context.requestId,
    };

    const existing = await this.identity.findUserByEmail(normalized);
    if (existing) {
      await this.db.transaction().execute(async (trx) => {
        await this.notifications.sendEmail(
          accountExistsMail({
            ...this.mailBase(existing.email, existing.display_name, existing.locale),
            loginLink: `${this.config.PUBLIC_URL}/anmelden`,
            resetLink: `${this.config.PUBLIC_URL}${REQUEST_RESET_PAGE_PATH}`,
          }),
          { executor: trx, municipalityId: existing.home_municipality_id },
        );
        await this.audit.record(
          actor,
          {
            action: 'auth.registration_for_existing_account',
            targetType: 'user',
            targetId: existing.id,
            municipalityId: existing.home_municipality_id,
          },
          trx,
        );
      });
      return;
    }

    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      await new AuthRepository(trx).createRegistration({
        email,
        displayName: input.displayName.trim(),
        passwordHash,
        locale: input.locale,
        homeMunicipalityId: municipality.id,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + VERIFY_TOKEN_VALID_MINUTES * 60_000),
      });
      await this.notifications.sendEmail(
        registrationMail({
          ...this.mailBase(email, input.displayName.trim(), input.locale),
          link: this.verifyLink(token),
          validMinutes: VERIFY_TOKEN_VALID_MINUTES,
        }),
        { executor: trx, municipalityId: municipality.id },
      );
      // No e-mail in the audit details: an unconfirmed address may not even be the registrant's.
      await this.audit.record(
        { ...actor, label: 'registration' },
        {
          action: 'auth.registration_requested',
          targetType: 'user',
          targetId: null,
          municipalityId: municipality.id,
        },
        trx,
      );
    });
  }

  private verifyLink(token: string) {
    return `${this.config.PUBLIC_URL}${VERIFY_PAGE_PATH}?token=${encodeURIComponent(token)}`;
  }

  /** A fresh link for a pending registration (the previous one stops working); silent otherwise. */
  async resendVerification(email: string, context: RequestContext): Promise<void> {
    const normalized = email.trim().toLowerCase();
    await throttleMailRequest(this.auth, 'register', normalized, context.ip);
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      const pending = await new AuthRepository(trx).renewRegistrationToken(
        normalized,
        sha256(token),
        new Date(Date.now() + VERIFY_TOKEN_VALID_MINUTES * 60_000),
      );
      if (!pending) return;
      await this.notifications.sendEmail(
        registrationMail({
          ...this.mailBase(pending.email, pending.displayName, pending.locale),
          link: this.verifyLink(token),
          validMinutes: VERIFY_TOKEN_VALID_MINUTES,
        }),
        { executor: trx, municipalityId: pending.homeMunicipalityId },
      );
    });
  }

  /**
   * Opens the link: the registration becomes an account with the citizen role in its home municipality
   * (nothing else), in one transaction with using up the token.
   */
  async verify(token: string, context: RequestContext): Promise<{ userId: string; email: string }> {
    return this.db.transaction().execute(async (trx) => {
      const auth = new AuthRepository(trx);
      const identity = new IdentityRepository(trx);
      const registration = await auth.consumeRegistration(sha256(token));
      if (!registration) throw Errors.verificationTokenInvalid();
      // Someone confirmed the same address first (another registration, or an account made by staff).
      if (await identity.findUserByEmail(registration.email)) throw Errors.verificationTokenInvalid();
      const user = await identity.createUser({
        email: registration.email,
        displayName: registration.display_name,
        homeMunicipalityId: registration.home_municipality_id,
        passwordHash: registration.password_hash,
        locale: registration.locale,
      });
      await identity.createGrant({
        userId: user.id,
        role: 'citizen',
        municipalityId: registration.home_municipality_id,
        reason: 'self-registration',
        grantedBy: null,
        validUntil: null,
      });
      await auth.closeRegistrationsOf(registration.email);
      await this.audit.record(
        {
          userId: user.id,
          label: `${user.email} (registration)`,
          ip: context.ip,
          requestId: context.requestId,
        },
        {
          action: 'user.registered',
          targetType: 'user',
          targetId: user.id,
          municipalityId: user.home_municipality_id,
        },
        trx,
      );
      return { userId: user.id, email: user.email };
    });
  }

  /** Checks the person's current password (accounts without one, e.g. single sign-on only, pass). */
  private async assertPassword(userId: string, password: string | undefined) {
    const user = await this.identity.findUserById(userId);
    if (!user || user.status !== 'active') throw Errors.notFound('User');
    if (user.password_hash && !(await verifyPassword(user.password_hash, password ?? ''))) {
      throw Errors.invalidCredentials();
    }
    return user;
  }

  /**
   * Mails a confirmation link to the new address and a notice to the old one. An address that belongs to
   * another account gets the "you have an account" hint instead; the caller sees the same answer.
   */
  async requestEmailChange(
    userId: string,
    input: { currentPassword?: string | undefined; newEmail: string },
    context: RequestContext,
  ): Promise<void> {
    const newEmail = input.newEmail.trim();
    await throttleMailRequest(this.auth, 'email-change', newEmail.toLowerCase(), context.ip);
    const user = await this.assertPassword(userId, input.currentPassword);
    if (user.email.toLowerCase() === newEmail.toLowerCase())
      throw Errors.validation('This is the current address');
    const taken = await this.identity.findUserByEmail(newEmail);
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      if (taken) {
        await this.notifications.sendEmail(
          accountExistsMail({
            ...this.mailBase(taken.email, taken.display_name, taken.locale),
            loginLink: `${this.config.PUBLIC_URL}/anmelden`,
            resetLink: `${this.config.PUBLIC_URL}${REQUEST_RESET_PAGE_PATH}`,
          }),
          { executor: trx, municipalityId: taken.home_municipality_id },
        );
      } else {
        await new AuthRepository(trx).createEmailChange({
          tokenHash: sha256(token),
          userId,
          newEmail,
          expiresAt: new Date(Date.now() + VERIFY_TOKEN_VALID_MINUTES * 60_000),
        });
        await this.notifications.sendEmail(
          emailChangeMail({
            ...this.mailBase(newEmail, user.display_name, user.locale),
            link: `${this.config.PUBLIC_URL}${EMAIL_CHANGE_PAGE_PATH}?token=${encodeURIComponent(token)}`,
            validMinutes: VERIFY_TOKEN_VALID_MINUTES,
          }),
          { executor: trx, municipalityId: user.home_municipality_id },
        );
      }
      await this.notifications.sendEmail(
        emailChangeNoticeMail({ ...this.mailBase(user.email, user.display_name, user.locale), newEmail }),
        { executor: trx, municipalityId: user.home_municipality_id },
      );
      await this.audit.record(
        { userId, label: user.email, ip: context.ip, requestId: context.requestId },
        {
          action: 'user.email_change_requested',
          targetType: 'user',
          targetId: userId,
          municipalityId: user.home_municipality_id,
        },
        trx,
      );
    });
  }

  async confirmEmailChange(token: string, context: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const change = await new AuthRepository(trx).consumeEmailChange(sha256(token));
      if (!change) throw Errors.verificationTokenInvalid();
      const identity = new IdentityRepository(trx);
      if (await identity.findUserByEmail(change.newEmail)) throw Errors.verificationTokenInvalid();
      const user = await identity.findUserById(change.userId);
      if (!user || user.status !== 'active') throw Errors.verificationTokenInvalid();
      await identity.updateUser(user.id, { email: change.newEmail });
      await this.audit.record(
        { userId: user.id, label: change.newEmail, ip: context.ip, requestId: context.requestId },
        {
          action: 'user.email_changed',
          targetType: 'user',
          targetId: user.id,
          municipalityId: user.home_municipality_id,
          details: { from: user.email, to: change.newEmail },
        },
        trx,
      );
    });
  }

  /**
   * Deletes a citizen's account (GDPR Art. 17). The user row stays as an empty shell (other records refer
   * to it) but loses everything personal: e-mail, name, password, roles and every way to sign in.
   * `alsoInTransaction` lets other domains unlink their records (egov cases keep their retention, Art.
   * 17(3)(b), but no longer point at the person).
   */
  async deleteAccount(
    userId: string,
    currentPassword: string | undefined,
    context: RequestContext,
    alsoInTransaction?: (trx: Database) => Promise<void>,
  ): Promise<void> {
    const user = await this.assertPassword(userId, currentPassword);
    const grants = await this.identity.activeGrants(userId);
    if (grants.some((g) => !CITIZEN_ROLES.includes(g.role))) {
      throw Errors.forbidden('Staff accounts are removed by an administrator');
    }
    await this.db.transaction().execute(async (trx) => {
      const identity = new IdentityRepository(trx);
      for (const grant of grants) await identity.revokeGrant(grant.id, userId);
      await new AuthRepository(trx).removeAccessOfUser(userId);
      await identity.updateUser(userId, {
        email: `deleted-${userId}@invalid`,
        displayName: 'Gelöschtes Konto',
        passwordHash: null,
        status: 'disabled',
      });
      if (alsoInTransaction) await alsoInTransaction(trx);
      // The trail says that the account was deleted, not whose it was.
      await this.audit.record(
        { userId: null, label: 'account owner', ip: context.ip, requestId: context.requestId },
        {
          action: 'user.deleted',
          targetType: 'user',
          targetId: userId,
          municipalityId: user.home_municipality_id,
        },
        trx,
      );
    });
  }
}
