// Authentication: who is this? Local accounts (argon2id), database sessions, API keys and app passwords.
// What the person may do is decided by the domain policies from the resulting Principal.
import type { Config } from '../../config.js';
import type { ApiCredential, CredentialKind, User } from '../db/schema.js';
import { Errors } from '../errors.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { IdentityRepository } from '../identity/identity.repository.js';
import type { AuthRepository } from './auth.repository.js';
import { burnVerification, verifyPassword } from './passwords.js';
import type { AuthMethod, Principal, Scope } from './principal.js';
import { API_KEY_PREFIX, APP_PASSWORD_PREFIX, newToken, safeEqual, sha256 } from './tokens.js';

const THROTTLE_WINDOW_SECONDS = 15 * 60;
// An address may fail this many times more than one account before it is stopped as a whole.
const ADDRESS_FACTOR = 4;
const SESSION_REFRESH_MS = 5 * 60 * 1000;

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

export interface IssuedCredential {
  credential: ApiCredential;
  /** Shown once; only its hash is stored. */
  secret: string;
}

export class AuthService {
  constructor(
    private readonly config: Config,
    private readonly auth: AuthRepository,
    private readonly identity: IdentityRepository,
    private readonly audit: AuditService,
  ) {}

  /** Checks e-mail and password with throttling per account+address and per address. */
  async login(
    email: string,
    password: string,
    context: { ip: string; userAgent: string | null; requestId: string },
  ): Promise<NewSession> {
    const accountKey = `login:${email.trim().toLowerCase()}:${context.ip}`;
    const addressKey = `login-ip:${context.ip}`;
    await this.assertNotThrottled(accountKey, this.config.LOGIN_MAX_FAILURES);
    await this.assertNotThrottled(addressKey, this.config.LOGIN_MAX_FAILURES * ADDRESS_FACTOR);

    const user = await this.verifyAccountPassword(email, password);
    const actor: AuditActor = {
      userId: user?.id ?? null,
      label: email.slice(0, 320),
      ip: context.ip,
      requestId: context.requestId,
    };
    if (!user) {
      await this.auth.recordThrottleFailure(accountKey, THROTTLE_WINDOW_SECONDS);
      await this.auth.recordThrottleFailure(addressKey, THROTTLE_WINDOW_SECONDS);
      await this.audit.record(actor, { action: 'auth.login_failed', targetType: 'user', targetId: null });
      throw Errors.invalidCredentials();
    }
    await this.auth.clearThrottle(accountKey);
    return this.loginVerified(user, { method: 'password' }, actor, context);
  }

  /**
   * Records a login whose credentials were checked already (by the password above, or by the provider of a
   * single sign-on) and starts its session.
   */
  async loginVerified(
    user: User,
    details: Record<string, unknown>,
    actor: AuditActor,
    context: { ip: string; userAgent: string | null },
  ): Promise<NewSession> {
    await this.identity.recordLogin(user.id);
    await this.audit.record(actor, {
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      municipalityId: user.home_municipality_id,
      details,
    });
    return this.startSession(user, context);
  }

  /** Starts a session for an already authenticated user (local login, single sign-on). */
  async startSession(user: User, context: { ip: string; userAgent: string | null }): Promise<NewSession> {
    const token = newToken();
    const csrfToken = newToken();
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3600_000);
    await this.auth.createSession({
      idHash: sha256(token),
      userId: user.id,
      csrfToken,
      expiresAt,
      ip: context.ip,
      userAgent: context.userAgent,
    });
    const principal = await this.principalFor(user, 'session', null, null, csrfToken);
    return { token, csrfToken, expiresAt, principal };
  }

  async logout(sessionToken: string): Promise<void> {
    await this.auth.deleteSession(sha256(sessionToken));
  }

  /** After a password change, every session but the current one ends. */
  async endOtherSessions(userId: string, keepToken: string | null): Promise<void> {
    await this.auth.deleteSessionsOfUser(userId, keepToken ? sha256(keepToken) : null);
  }

  async principalFromSession(sessionToken: string): Promise<Principal | null> {
    const idHash = sha256(sessionToken);
    const session = await this.auth.findSession(idHash);
    if (!session) return null;
    const user = await this.identity.findUserById(session.userId);
    if (!user || user.status !== 'active') return null;
    // Sliding expiry, written at most every few minutes rather than on every request.
    if (Date.now() - session.lastSeenAt.getTime() > SESSION_REFRESH_MS) {
      await this.auth.extendSession(idHash, new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3600_000));
    }
    return this.principalFor(user, 'session', null, null, session.csrfToken);
  }

  /** `Authorization: Bearer <api key or app password>`. */
  async principalFromBearer(secret: string): Promise<Principal | null> {
    if (!secret.startsWith(API_KEY_PREFIX) && !secret.startsWith(APP_PASSWORD_PREFIX)) return null;
    const credential = await this.auth.findUsableCredential(sha256(secret));
    if (!credential) return null;
    const user = await this.identity.findUserById(credential.user_id);
    if (!user || user.status !== 'active') return null;
    await this.auth.touchCredential(credential.id);
    return this.principalFor(user, credential.kind, credential.scopes, credential.municipality_id, null);
  }

  /**
   * HTTP Basic for protocol clients (SensorThings, WebDAV, CalDAV, MQTT): the account's e-mail with an
   * app password, or with the account password unless the account allows app passwords only.
   */
  async principalFromBasic(email: string, secret: string, ip: string): Promise<Principal | null> {
    if (secret.startsWith(APP_PASSWORD_PREFIX) || secret.startsWith(API_KEY_PREFIX)) {
      const credential = await this.auth.findUsableCredential(sha256(secret));
      if (!credential) return null;
      const user = await this.identity.findUserById(credential.user_id);
      if (
        !user ||
        user.status !== 'active' ||
        !safeEqual(user.email.toLowerCase(), email.trim().toLowerCase())
      )
        return null;
      await this.auth.touchCredential(credential.id);
      return this.principalFor(user, credential.kind, credential.scopes, credential.municipality_id, null);
    }
    const key = `basic:${email.trim().toLowerCase()}:${ip}`;
    await this.assertNotThrottled(key, this.config.LOGIN_MAX_FAILURES * ADDRESS_FACTOR);
    const user = await this.verifyAccountPassword(email, secret);
    if (!user || user.app_passwords_only) {
      await this.auth.recordThrottleFailure(key, THROTTLE_WINDOW_SECONDS);
      return null;
    }
    return this.principalFor(user, 'password', null, null, null);
  }

  async issueCredential(
    principal: Principal,
    values: {
      kind: CredentialKind;
      label: string;
      scopes: Scope[];
      municipalityId: string | null;
      expiresAt: Date | null;
    },
    actor: AuditActor,
  ): Promise<IssuedCredential> {
    const secret = (values.kind === 'api_key' ? API_KEY_PREFIX : APP_PASSWORD_PREFIX) + newToken();
    const credential = await this.auth.createCredential({
      userId: principal.userId,
      kind: values.kind,
      label: values.label,
      secretHash: sha256(secret),
      scopes: values.scopes,
      municipalityId: values.municipalityId,
      expiresAt: values.expiresAt,
    });
    await this.audit.record(actor, {
      action: `auth.${values.kind}_created`,
      targetType: 'credential',
      targetId: credential.id,
      municipalityId: values.municipalityId,
      details: { label: values.label, scopes: values.scopes },
    });
    return { credential, secret };
  }

  listCredentials(userId: string): Promise<ApiCredential[]> {
    return this.auth.listCredentials(userId);
  }

  async revokeCredential(principal: Principal, id: string, actor: AuditActor): Promise<void> {
    const revoked = await this.auth.revokeCredential(principal.userId, id);
    if (!revoked) throw Errors.notFound('Credential');
    await this.audit.record(actor, {
      action: `auth.${revoked.kind}_revoked`,
      targetType: 'credential',
      targetId: id,
      municipalityId: revoked.municipality_id,
    });
  }

  async principalForUser(user: User, method: AuthMethod): Promise<Principal> {
    return this.principalFor(user, method, null, null, null);
  }

  private async principalFor(
    user: User,
    method: AuthMethod,
    scopes: string[] | null,
    credentialMunicipalityId: string | null,
    csrfToken: string | null,
  ): Promise<Principal> {
    return {
      userId: user.id,
      email: user.email,
      displayName: user.display_name,
      locale: user.locale,
      homeMunicipalityId: user.home_municipality_id,
      grants: await this.identity.activeGrants(user.id),
      method,
      scopes,
      credentialMunicipalityId,
      csrfToken,
    };
  }

  private async verifyAccountPassword(email: string, password: string): Promise<User | undefined> {
    const user = await this.identity.findUserByEmail(email);
    if (!user?.password_hash || user.status !== 'active') {
      await burnVerification(password);
      return undefined;
    }
    return (await verifyPassword(user.password_hash, password)) ? user : undefined;
  }

  private async assertNotThrottled(key: string, max: number): Promise<void> {
    const { failures, retryAfterSeconds } = await this.auth.throttleFailures(key, THROTTLE_WINDOW_SECONDS);
    if (failures >= max) throw Errors.tooManyRequests(retryAfterSeconds);
  }
}
