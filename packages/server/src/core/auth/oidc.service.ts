// Single sign-on with one OpenID Connect provider (Keycloak, Authentik, Entra ID, …): the authorization code
// flow with PKCE (S256), state and nonce. The pending login lives in the database (only the state's hash is
// the key) and is bound to the browser by a short cookie holding the state, so a callback URL that someone
// else started, or one that is replayed, is refused. The provider's metadata is discovered on first use
// and cached; a provider that is down neither stops the platform from starting nor stays "down" once back.
import * as oidc from 'openid-client';
import type { Config } from '../../config.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import type { User } from '../db/schema.js';
import { Errors } from '../errors.js';
import type { IdentityService } from '../identity/identity.service.js';
import { AuthRepository } from './auth.repository.js';
import type { AuthService, NewSession } from './auth.service.js';
import { safeEqual, sha256 } from './tokens.js';

export const OIDC_START_PATH = '/api/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/api/auth/oidc/callback';
export const LOGIN_STATE_MINUTES = 10;
const SCOPE = 'openid email profile';
const DISCOVERY_TIMEOUT_SECONDS = 10;
const START_WINDOW_SECONDS = 15 * 60;
const MAX_STARTS_PER_ADDRESS = 100;

/** Why a single sign-on was refused; logged, while the person only sees the login page with a hint. */
export class SsoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SsoError';
  }
}

/** Only a path on this site: starts with one slash, not two, no backslash or control characters. */
export function safeNextPath(next: string | undefined | null): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 1000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  // Control characters: browsers drop tabs and newlines from URLs, which can turn "/\t/x" into "//x".
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '/';
  const base = 'http://next.invalid';
  try {
    return new URL(next, base).origin === base ? next : '/';
  } catch {
    return '/';
  }
}

export interface ExternalProfile {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string | null;
  locale: 'de' | 'en';
}

/** The person as the provider describes them, from the ID token and, where that is sparse, UserInfo. */
export function profileFromClaims(issuer: string, claims: Record<string, unknown>): ExternalProfile {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
  const email = text(claims.email);
  const joined = [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(' ');
  const displayName = text(claims.name) ?? (joined || null) ?? text(claims.preferred_username);
  return {
    issuer,
    subject: String(claims.sub),
    email,
    // Some providers send the flag as a string.
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    displayName: displayName?.slice(0, 200) ?? null,
    locale: text(claims.locale)?.toLowerCase().startsWith('en') ? 'en' : 'de',
  };
}

export interface LoginContext {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

const PRIVILEGED_ROLES: readonly string[] = ['platform_admin', 'municipal_admin'];

export class OidcService {
  #discovery: Promise<oidc.Configuration> | undefined;
  private readonly repository: AuthRepository;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly auth: AuthService,
    private readonly identity: IdentityService,
    private readonly audit: AuditService,
  ) {
    this.repository = new AuthRepository(db);
  }

  get enabled(): boolean {
    return Boolean(this.config.OIDC_ISSUER && this.config.OIDC_CLIENT_ID && this.config.OIDC_CLIENT_SECRET);
  }

  get redirectUri(): string {
    return this.config.PUBLIC_URL + OIDC_CALLBACK_PATH;
  }

  /**
   * The provider's configuration, discovered once. A failed discovery is not kept, so the next login tries
   * again; parallel first logins share one discovery.
   */
  providerConfiguration(): Promise<oidc.Configuration> {
    if (!this.#discovery) {
      const attempt = this.discover();
      this.#discovery = attempt;
      attempt.catch(() => {
        if (this.#discovery === attempt) this.#discovery = undefined;
      });
    }
    return this.#discovery;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, NODE_ENV } = this.config;
    if (!OIDC_ISSUER || !OIDC_CLIENT_ID || !OIDC_CLIENT_SECRET) throw Errors.notFound('Single sign-on');
    const issuer = new URL(OIDC_ISSUER);
    const insecure = issuer.protocol === 'http:';
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
    // Tokens and the client secret travel to the provider: plain http only for development and tests.
    if (insecure && NODE_ENV === 'production' && !loopback) {
      throw new SsoError('OIDC_ISSUER must use https in production');
    }
    return oidc.discovery(
      issuer,
      OIDC_CLIENT_ID,
      { client_secret: OIDC_CLIENT_SECRET },
      oidc.ClientSecretBasic(OIDC_CLIENT_SECRET),
      { timeout: DISCOVERY_TIMEOUT_SECONDS, ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}) },
    );
  }

  /**
   * Starts a login: stores the pending state and returns where to send the browser, and the state the
   * browser must bring back (as a cookie) to complete it.
   */
  async begin(next: string | undefined, ip: string): Promise<{ authorizationUrl: string; state: string }> {
    // Every start stores a row until it expires: bounded per address, generously (offices share one).
    const key = `oidc-start:${ip}`;
    const { failures, retryAfterSeconds } = await this.repository.throttleFailures(key, START_WINDOW_SECONDS);
    if (failures >= MAX_STARTS_PER_ADDRESS) throw Errors.tooManyRequests(retryAfterSeconds);
    const configuration = await this.providerConfiguration();
    await this.repository.recordThrottleFailure(key, START_WINDOW_SECONDS);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await this.repository.createLoginState({
      stateHash: sha256(state),
      codeVerifier,
      nonce,
      nextPath: safeNextPath(next),
      expiresAt: new Date(Date.now() + LOGIN_STATE_MINUTES * 60_000),
    });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { authorizationUrl: url.href, state };
  }

  /**
   * Completes a login from the callback's query string: checks the state against the browser's cookie and
   * uses it up, exchanges the code, checks the ID token, then finds, links or creates the account and
   * starts a session. Every refusal is an SsoError.
   */
  async complete(
    rawQuery: string,
    browserState: string | undefined,
    context: LoginContext,
  ): Promise<{ session: NewSession; nextPath: string; user: User }> {
    const params = new URLSearchParams(rawQuery);
    const state = params.get('state');
    const providerError = params.get('error');
    const errorHint = providerError
      ? ` (provider error ${providerError}: ${params.get('error_description') ?? ''})`
      : '';
    if (!state || !browserState || !safeEqual(state, browserState)) {
      throw new SsoError(`state missing or not the one of this browser${errorHint}`);
    }
    const pending = await this.repository.takeLoginState(sha256(state));
    if (!pending) throw new SsoError(`unknown, used or expired state${errorHint}`);
    if (providerError) throw new SsoError(`the provider refused${errorHint}`);

    const configuration = await this.providerConfiguration();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(`${this.redirectUri}?${params.toString()}`),
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
      );
      const idToken = tokens.claims();
      if (!idToken) throw new SsoError('no ID token');
      claims = { ...idToken };
      // Many providers put e-mail and name only into UserInfo when an access token is issued.
      if (
        (claims.email === undefined || claims.name === undefined) &&
        configuration.serverMetadata().userinfo_endpoint
      ) {
        const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...info, ...claims };
      }
    } catch (error) {
      if (error instanceof SsoError) throw error;
      throw new SsoError(`code exchange or token validation failed: ${(error as Error).message}`, {
        cause: error,
      });
    }

    const profile = profileFromClaims(configuration.serverMetadata().issuer, claims);
    const user = await this.accountFor(profile, context);
    if (user.status !== 'active') throw new SsoError(`account ${user.id} is disabled`);
    const session = await this.auth.loginVerified(
      user,
      { method: 'oidc', issuer: profile.issuer },
      { userId: user.id, label: `${user.email} (oidc)`, ip: context.ip, requestId: context.requestId },
      context,
    );
    return { session, nextPath: pending.nextPath, user };
  }

  /**
   * The account of this external identity: known already, linked by a verified e-mail, or new. Shared
   * with SAML (`method` names the protocol in the audit log).
   */
  async accountFor(profile: ExternalProfile, context: LoginContext, method = 'oidc'): Promise<User> {
    const known = await this.repository.findIdentityUser(profile.issuer, profile.subject);
    if (known) {
      const user = await this.identity.findUserById(known);
      if (!user) throw new SsoError(`identity points to a missing account ${known}`);
      return user;
    }
    if (!profile.email) throw new SsoError('the provider sent no e-mail address');
    const actor: AuditActor = {
      userId: null,
      label: `${profile.email} (${method})`,
      ip: context.ip,
      requestId: context.requestId,
    };
    const linkedEvent = (user: User) => ({
      action: 'auth.identity_linked',
      targetType: 'user',
      targetId: user.id,
      municipalityId: user.home_municipality_id,
      details: { issuer: profile.issuer, subject: profile.subject, email: profile.email },
    });

    const existing = await this.identity.findUserByEmail(profile.email);
    if (existing) {
      if (!profile.emailVerified) {
        throw new SsoError(`account ${existing.id} has this e-mail, but the provider has not verified it`);
      }
      if (existing.status !== 'active') throw new SsoError(`account ${existing.id} is disabled`);
      // Administrators are never linked automatically: whoever controls an e-mail claim at the provider
      // would otherwise control the platform. They log in locally (or an admin links them on purpose).
      const grants = await this.identity.activeGrantsOf(existing.id);
      if (grants.some((g) => PRIVILEGED_ROLES.includes(g.role))) {
        throw new SsoError(
          `account ${existing.id} holds an administrator role and is not linked automatically`,
        );
      }
      // One account, one person at a provider: a second subject for the same e-mail is a different person
      // (or a re-used address) and must not take over the account.
      const subjects = await this.repository.identitySubjects(existing.id, profile.issuer);
      if (subjects.length > 0) {
        throw new SsoError(`account ${existing.id} is linked to another subject of this provider`);
      }
      await this.db.transaction().execute(async (trx) => {
        await new AuthRepository(trx).linkIdentity({
          issuer: profile.issuer,
          subject: profile.subject,
          userId: existing.id,
        });
        await this.audit.record(actor, linkedEvent(existing), trx);
      });
      return existing;
    }

    return this.identity.createPerson(
      {
        email: profile.email,
        displayName: profile.displayName ?? profile.email.split('@')[0]!,
        homeMunicipalityId: null,
        password: null,
        locale: profile.locale,
      },
      actor,
      async (trx, user) => {
        await new AuthRepository(trx).linkIdentity({
          issuer: profile.issuer,
          subject: profile.subject,
          userId: user.id,
        });
        await this.audit.record(actor, linkedEvent(user), trx);
      },
    );
  }
}
