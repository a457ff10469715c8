// Single sign-on with SAML 2.0, the way BundID is connected: AuthnRequest over HTTP-Redirect, Response
// over HTTP-POST to our Assertion Consumer Service. @node-saml/node-saml checks the signatures (Response
// or Assertion, against the IdP's certificates from its metadata), audience, issuer, conditions and
// NotOnOrAfter, InResponseTo, and decrypts encrypted assertions with our key. On top, the pending request
// lives in the database and is used up exactly once (replays and parallel posts of one response fail),
// and each accepted assertion ID is remembered until it expires. Accounts are found, linked or created by
// the same rules as OpenID Connect (administrators are never linked by e-mail).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { DOMParser } from '@xmldom/xmldom';
import {
  generateServiceProviderMetadata,
  SAML,
  ValidateInResponseTo,
  type CacheProvider,
  type Profile,
} from '@node-saml/node-saml';
import type { Config } from '../../config.js';
import type { Database } from '../db/database.js';
import type { User } from '../db/schema.js';
import { Errors } from '../errors.js';
import { AuthRepository } from './auth.repository.js';
import type { AuthService, NewSession } from './auth.service.js';
import {
  safeNextPath,
  SsoError,
  type ExternalProfile,
  type LoginContext,
  type OidcService,
} from './oidc.service.js';

export const SAML_LOGIN_PATH = '/api/auth/saml/login';
export const SAML_ACS_PATH = '/api/auth/saml/acs';
export const SAML_METADATA_PATH = '/api/auth/saml/metadata';
const REQUEST_MINUTES = 10;
const CLOCK_SKEW_MS = 60_000;
const START_WINDOW_SECONDS = 15 * 60;
const MAX_STARTS_PER_ADDRESS = 100;
const METADATA_TIMEOUT_MS = 10_000;
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** Attribute names as BundID (and other German eID IdPs) send them: OIDs first, common names second. */
const ATTRIBUTES = {
  email: ['urn:oid:0.9.2342.19200300.100.1.3', 'mail', 'email'],
  givenName: ['urn:oid:2.5.4.42', 'givenName'],
  surname: ['urn:oid:2.5.4.4', 'sn', 'surname'],
  displayName: ['urn:oid:2.16.840.1.113730.3.1.241', 'displayName'],
  language: ['urn:oid:1.3.6.1.4.1.25484.494450.1', 'preferredLanguage'],
} as const;

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

/** Reads what we need from the IdP's metadata: entity ID, SSO endpoint (HTTP-Redirect), signing certs. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const entity = doc.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = entity?.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!entity || !idp) throw new SsoError('IdP metadata without EntityDescriptor/IDPSSODescriptor');
  const entityId = entity.getAttribute('entityID');
  const sso = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService')).find(
    (s) => s.getAttribute('Binding') === REDIRECT_BINDING,
  );
  const certificates = Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((k) => (k.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((k) => Array.from(k.getElementsByTagNameNS(DSIG, 'X509Certificate')))
    .map((c) => (c.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  if (!entityId || !sso?.getAttribute('Location') || certificates.length === 0) {
    throw new SsoError('IdP metadata lacks entityID, an HTTP-Redirect SSO endpoint or a signing certificate');
  }
  return { entityId, ssoUrl: sso.getAttribute('Location')!, certificates };
}

function firstAttribute(profile: Profile, names: readonly string[]): string | null {
  for (const name of names) {
    const value = profile[name];
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    if (typeof first === 'string' && first.trim()) return first.trim();
  }
  return null;
}

/** The person as the IdP describes them. The subject is the (persistent) NameID. */
export function profileFromAssertion(profile: Profile): ExternalProfile {
  const joined = [firstAttribute(profile, ATTRIBUTES.givenName), firstAttribute(profile, ATTRIBUTES.surname)]
    .filter(Boolean)
    .join(' ');
  const displayName = firstAttribute(profile, ATTRIBUTES.displayName) ?? (joined || null);
  return {
    issuer: profile.issuer,
    subject: profile.nameID,
    email: firstAttribute(profile, ATTRIBUTES.email),
    // The IdP is one the region contracts (BundID verifies addresses); see README before connecting another.
    emailVerified: true,
    displayName: displayName?.slice(0, 200) ?? null,
    locale: firstAttribute(profile, ATTRIBUTES.language)?.toLowerCase().startsWith('en') ? 'en' : 'de',
  };
}

/** InResponseTo of the Response and ID and expiry of its assertion, from the validated XML. */
function responseFacts(profile: Profile): {
  inResponseTo: string | null;
  assertionId: string | null;
  notOnOrAfter: Date;
} {
  const response = new DOMParser().parseFromString(profile.getSamlResponseXml?.() ?? '<x/>', 'text/xml');
  const assertion = new DOMParser().parseFromString(profile.getAssertionXml?.() ?? '<x/>', 'text/xml');
  const root = assertion.documentElement;
  const conditions = root?.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Conditions')[0];
  const until = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  return {
    inResponseTo: response.documentElement?.getAttribute('InResponseTo') || null,
    assertionId: root?.getAttribute('ID') || null,
    notOnOrAfter: new Date(Number.isFinite(until) ? until : Date.now() + 24 * 3600_000),
  };
}

export class SamlService {
  #idp: Promise<IdpMetadata> | undefined;
  private readonly repository: AuthRepository;
  #keys: Promise<{ key: string; cert: string } | null> | undefined;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly auth: AuthService,
    private readonly oidc: OidcService,
  ) {
    this.repository = new AuthRepository(db);
  }

  get enabled(): boolean {
    return Boolean(this.config.SAML_IDP_METADATA);
  }

  get entityId(): string {
    return this.config.SAML_SP_ENTITY_ID ?? this.config.PUBLIC_URL + SAML_METADATA_PATH;
  }

  get acsUrl(): string {
    return this.config.PUBLIC_URL + SAML_ACS_PATH;
  }

  /** The IdP's metadata, loaded once; a failure is not kept, so the next login tries again. */
  idpMetadata(): Promise<IdpMetadata> {
    if (!this.#idp) {
      const attempt = this.loadIdpMetadata();
      this.#idp = attempt;
      attempt.catch(() => {
        if (this.#idp === attempt) this.#idp = undefined;
      });
    }
    return this.#idp;
  }

  private async loadIdpMetadata(): Promise<IdpMetadata> {
    const source = this.config.SAML_IDP_METADATA;
    if (!source) throw Errors.notFound('SAML single sign-on');
    if (/^https?:\/\//.test(source)) {
      const url = new URL(source);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
      if (url.protocol === 'http:' && this.config.NODE_ENV === 'production' && !loopback) {
        throw new SsoError('SAML_IDP_METADATA must use https in production');
      }
      const response = await fetch(url, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
      if (!response.ok) throw new SsoError(`IdP metadata: HTTP ${response.status}`);
      return parseIdpMetadata(await response.text());
    }
    return parseIdpMetadata(await fs.readFile(source, 'utf8'));
  }

  private spKeys(): Promise<{ key: string; cert: string } | null> {
    const { SAML_SP_KEY_FILE, SAML_SP_CERT_FILE } = this.config;
    this.#keys ??=
      SAML_SP_KEY_FILE && SAML_SP_CERT_FILE
        ? Promise.all([fs.readFile(SAML_SP_KEY_FILE, 'utf8'), fs.readFile(SAML_SP_CERT_FILE, 'utf8')]).then(
            ([key, cert]) => ({ key, cert }),
          )
        : Promise.resolve(null);
    return this.#keys;
  }

  /** Pending requests in the database, so any instance can take the response. */
  private cacheProvider(): CacheProvider {
    const db = this.db;
    return {
      // Stored by begin() together with the next path; node-saml's own save is a no-op.
      saveAsync: (key, value) => Promise.resolve({ value, createdAt: Date.now() }),
      getAsync: async (key) => {
        const row = await db
          .selectFrom('saml_requests')
          .select('created_at')
          .where('request_id', '=', key)
          .where('expires_at', '>', new Date())
          .executeTakeFirst();
        return row ? row.created_at.toISOString() : null;
      },
      // Used up in complete(), atomically, after the whole response was accepted.
      removeAsync: (key) => Promise.resolve(key),
    };
  }

  private async client(requestId?: string): Promise<SAML> {
    const idp = await this.idpMetadata();
    const keys = await this.spKeys();
    return new SAML({
      callbackUrl: this.acsUrl,
      entryPoint: idp.ssoUrl,
      issuer: this.entityId,
      audience: this.entityId,
      idpIssuer: idp.entityId,
      idpCert: idp.certificates,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: REQUEST_MINUTES * 60_000,
      cacheProvider: this.cacheProvider(),
      acceptedClockSkewMs: CLOCK_SKEW_MS,
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      ...(keys ? { privateKey: keys.key, decryptionPvk: keys.key } : {}),
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
    });
  }

  /** Our metadata for the IdP (entity ID, ACS with HTTP-POST, certificate for signing and encryption). */
  async metadata(): Promise<string> {
    const keys = await this.spKeys();
    return generateServiceProviderMetadata({
      issuer: this.entityId,
      callbackUrl: this.acsUrl,
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      wantAssertionsSigned: true,
      decryptionCert: keys?.cert ?? null,
      publicCerts: keys?.cert ?? null,
      ...(keys ? { privateKey: keys.key, decryptionPvk: keys.key } : {}),
    });
  }

  /** Starts a login: stores the pending request and returns the IdP URL with the AuthnRequest. */
  async begin(next: string | undefined, ip: string): Promise<string> {
    const key = `saml-start:${ip}`;
    const { failures, retryAfterSeconds } = await this.repository.throttleFailures(key, START_WINDOW_SECONDS);
    if (failures >= MAX_STARTS_PER_ADDRESS) throw Errors.tooManyRequests(retryAfterSeconds);
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const client = await this.client(requestId);
    await this.repository.recordThrottleFailure(key, START_WINDOW_SECONDS);
    await this.db
      .insertInto('saml_requests')
      .values({
        request_id: requestId,
        next_path: safeNextPath(next),
        expires_at: new Date(Date.now() + REQUEST_MINUTES * 60_000),
      })
      .execute();
    // RelayState names the request, so the ACS finds where to go; it carries nothing else.
    return client.getAuthorizeUrlAsync(requestId, undefined, {});
  }

  /**
   * Completes a login from the ACS post: validates the response, uses up the pending request and the
   * assertion ID, then finds, links or creates the account and starts a session. Refusals are SsoErrors.
   */
  async complete(
    body: { SAMLResponse?: string; RelayState?: string },
    context: LoginContext,
  ): Promise<{ session: NewSession; nextPath: string; user: User }> {
    if (!body.SAMLResponse) throw new SsoError('no SAMLResponse');
    let profile: Profile;
    try {
      const client = await this.client();
      const result = await client.validatePostResponseAsync({
        SAMLResponse: body.SAMLResponse,
        ...(body.RelayState ? { RelayState: body.RelayState } : {}),
      });
      if (!result.profile) throw new SsoError('the response holds no assertion');
      profile = result.profile;
    } catch (error) {
      if (error instanceof SsoError) throw error;
      throw new SsoError(`SAML response refused: ${(error as Error).message}`, { cause: error });
    }
    const facts = responseFacts(profile);
    if (!facts.inResponseTo || !facts.assertionId)
      throw new SsoError('response without InResponseTo or assertion ID');
    const nextPath = await this.db.transaction().execute(async (trx) => {
      const pending = await trx
        .deleteFrom('saml_requests')
        .where('request_id', '=', facts.inResponseTo!)
        .returning('next_path')
        .executeTakeFirst();
      if (!pending) throw new SsoError('the request was answered already (replay)');
      const seen = await trx
        .insertInto('saml_seen_assertions')
        .values({ assertion_id: facts.assertionId!, expires_at: facts.notOnOrAfter })
        .onConflict((oc) => oc.column('assertion_id').doNothing())
        .returning('assertion_id')
        .executeTakeFirst();
      if (!seen) throw new SsoError('this assertion was used already (replay)');
      return pending.next_path;
    });

    const external = profileFromAssertion(profile);
    const user = await this.oidc.accountFor(external, context, 'saml');
    if (user.status !== 'active') throw new SsoError(`account ${user.id} is disabled`);
    const session = await this.auth.loginVerified(
      user,
      { method: 'saml', issuer: external.issuer },
      { userId: user.id, label: `${user.email} (saml)`, ip: context.ip, requestId: context.requestId },
      context,
    );
    return { session, nextPath, user };
  }

  /** Housekeeping: forget expired requests and assertions. */
  async purgeExpired(now = new Date()): Promise<void> {
    await this.db.deleteFrom('saml_requests').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('saml_seen_assertions').where('expires_at', '<', now).execute();
  }
}
