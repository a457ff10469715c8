// Sessions, API credentials, login throttling, password reset tokens, pending single sign-ons and external
// identities. Only this file writes their SQL.
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { ApiCredential, CredentialKind } from '../db/schema.js';

export interface SessionRow {
  userId: string;
  csrfToken: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface LoginStateRow {
  codeVerifier: string;
  nonce: string;
  nextPath: string;
  expiresAt: Date;
}

export class AuthRepository {
  constructor(private readonly db: Database) {}

  async createSession(values: {
    idHash: string;
    userId: string;
    csrfToken: string;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: values.idHash,
        user_id: values.userId,
        csrf_token: values.csrfToken,
        expires_at: values.expiresAt,
        ip: values.ip,
        user_agent: values.userAgent?.slice(0, 500) ?? null,
      })
      .execute();
  }

  async findSession(idHash: string): Promise<SessionRow | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .select(['user_id', 'csrf_token', 'expires_at', 'last_seen_at'])
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    return (
      row && {
        userId: row.user_id,
        csrfToken: row.csrf_token,
        expiresAt: row.expires_at,
        lastSeenAt: row.last_seen_at,
      }
    );
  }

  async extendSession(idHash: string, expiresAt: Date): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ expires_at: expiresAt, last_seen_at: new Date() })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOfUser(userId: string, exceptIdHash: string | null = null): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
    await query.execute();
  }

  async deleteExpiredSessions(): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<', new Date())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createCredential(values: {
    userId: string;
    kind: CredentialKind;
    label: string;
    secretHash: string;
    scopes: string[];
    municipalityId: string | null;
    expiresAt: Date | null;
  }): Promise<ApiCredential> {
    return this.db
      .insertInto('api_credentials')
      .values({
        user_id: values.userId,
        kind: values.kind,
        label: values.label,
        secret_hash: values.secretHash,
        scopes: values.scopes,
        municipality_id: values.municipalityId,
        expires_at: values.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async findUsableCredential(secretHash: string): Promise<ApiCredential | undefined> {
    return this.db
      .selectFrom('api_credentials')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .executeTakeFirst();
  }

  async touchCredential(id: string): Promise<void> {
    // At most one write a minute per credential: machines call often.
    await this.db
      .updateTable('api_credentials')
      .set({ last_used_at: new Date() })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
        ]),
      )
      .execute();
  }

  async listCredentials(userId: string): Promise<ApiCredential[]> {
    return this.db
      .selectFrom('api_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async revokeCredential(userId: string, id: string): Promise<ApiCredential | undefined> {
    return this.db
      .updateTable('api_credentials')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  /** Failures in the current window for a throttle key (0 when the window has passed). */
  async throttleFailures(
    key: string,
    windowSeconds: number,
  ): Promise<{ failures: number; retryAfterSeconds: number }> {
    const row = await this.db
      .selectFrom('login_throttle')
      .select([
        'failures',
        sql<number>`ceil(extract(epoch from (window_start + make_interval(secs => ${windowSeconds}) - now())))`.as(
          'remaining',
        ),
      ])
      .where('key', '=', key)
      .where('window_start', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
      .executeTakeFirst();
    return row
      ? { failures: row.failures, retryAfterSeconds: Math.max(1, Number(row.remaining)) }
      : { failures: 0, retryAfterSeconds: 0 };
  }

  async recordThrottleFailure(key: string, windowSeconds: number): Promise<void> {
    await sql`
      insert into login_throttle (key, window_start, failures) values (${key}, now(), 1)
      on conflict (key) do update set
        failures = case when login_throttle.window_start < now() - make_interval(secs => ${windowSeconds})
                        then 1 else login_throttle.failures + 1 end,
        window_start = case when login_throttle.window_start < now() - make_interval(secs => ${windowSeconds})
                            then now() else login_throttle.window_start end`.execute(this.db);
  }

  async deleteStaleThrottles(olderThanSeconds: number): Promise<void> {
    await this.db
      .deleteFrom('login_throttle')
      .where('window_start', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
      .execute();
  }

  async clearThrottle(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }

  async createResetToken(values: { tokenHash: string; userId: string; expiresAt: Date }): Promise<void> {
    await this.db
      .insertInto('password_reset_tokens')
      .values({ token_hash: values.tokenHash, user_id: values.userId, expires_at: values.expiresAt })
      .execute();
  }

  /** The user of an unused, unexpired reset token. */
  async findUsableResetToken(tokenHash: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('password_reset_tokens')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Marks the token used if it still was usable; one statement, so two concurrent uses cannot both win. */
  async consumeResetToken(tokenHash: string): Promise<string | undefined> {
    const row = await this.db
      .updateTable('password_reset_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }

  async invalidateResetTokensOfUser(userId: string): Promise<number> {
    const result = await this.db
      .updateTable('password_reset_tokens')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async deleteExpiredResetTokens(): Promise<number> {
    const result = await this.db
      .deleteFrom('password_reset_tokens')
      .where('expires_at', '<', new Date())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createLoginState(values: {
    stateHash: string;
    codeVerifier: string;
    nonce: string;
    nextPath: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db
      .insertInto('oidc_login_states')
      .values({
        state_hash: values.stateHash,
        code_verifier: values.codeVerifier,
        nonce: values.nonce,
        next_path: values.nextPath,
        expires_at: values.expiresAt,
      })
      .execute();
  }

  /** Removes and returns a pending single sign-on: a state is good for one callback only. */
  async takeLoginState(stateHash: string): Promise<LoginStateRow | undefined> {
    const row = await this.db
      .deleteFrom('oidc_login_states')
      .where('state_hash', '=', stateHash)
      .returning(['code_verifier', 'nonce', 'next_path', 'expires_at'])
      .executeTakeFirst();
    if (!row || row.expires_at.getTime() <= Date.now()) return undefined;
    return {
      codeVerifier: row.code_verifier,
      nonce: row.nonce,
      nextPath: row.next_path,
      expiresAt: row.expires_at,
    };
  }

  async deleteExpiredLoginStates(): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_login_states')
      .where('expires_at', '<', new Date())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async findIdentityUser(issuer: string, subject: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('user_identities')
      .select('user_id')
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Subjects the user has at this issuer. */
  async identitySubjects(userId: string, issuer: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_identities')
      .select('subject')
      .where('user_id', '=', userId)
      .where('issuer', '=', issuer)
      .execute();
    return rows.map((r) => r.subject);
  }

  async linkIdentity(values: { issuer: string; subject: string; userId: string }): Promise<void> {
    await this.db
      .insertInto('user_identities')
      .values({ issuer: values.issuer, subject: values.subject, user_id: values.userId })
      .execute();
  }

  // --- self-registration and e-mail changes (double opt-in) ------------------------------------------

  async createRegistration(values: {
    email: string;
    displayName: string;
    passwordHash: string;
    locale: 'de' | 'en';
    homeMunicipalityId: string;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db
      .insertInto('account_registrations')
      .values({
        email: values.email,
        display_name: values.displayName,
        password_hash: values.passwordHash,
        locale: values.locale,
        home_municipality_id: values.homeMunicipalityId,
        token_hash: values.tokenHash,
        expires_at: values.expiresAt,
      })
      .execute();
  }

  /** Gives the newest unused registration of an address a fresh token; the old link stops working. */
  async renewRegistrationToken(
    email: string,
    tokenHash: string,
    expiresAt: Date,
  ): Promise<
    { email: string; displayName: string; locale: 'de' | 'en'; homeMunicipalityId: string } | undefined
  > {
    const newest = await this.db
      .selectFrom('account_registrations')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .where('used_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!newest) return undefined;
    const row = await this.db
      .updateTable('account_registrations')
      .set({ token_hash: tokenHash, expires_at: expiresAt })
      .where('id', '=', newest.id)
      .where('used_at', 'is', null)
      .returning(['email', 'display_name', 'locale', 'home_municipality_id'])
      .executeTakeFirst();
    return (
      row && {
        email: row.email,
        displayName: row.display_name,
        locale: row.locale,
        homeMunicipalityId: row.home_municipality_id,
      }
    );
  }

  /** Uses up a usable registration token in one statement, so two clicks cannot both create an account. */
  async consumeRegistration(tokenHash: string) {
    return this.db
      .updateTable('account_registrations')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returningAll()
      .executeTakeFirst();
  }

  /** Other pending registrations of an address end once one of them became the account. */
  async closeRegistrationsOf(email: string): Promise<void> {
    await this.db
      .updateTable('account_registrations')
      .set({ used_at: new Date() })
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .where('used_at', 'is', null)
      .execute();
  }

  /** Registrations are personal data: gone a day after their link expired or was used. */
  async deleteStaleRegistrations(): Promise<number> {
    const cutoff = new Date(Date.now() - 24 * 3600_000);
    const result = await this.db
      .deleteFrom('account_registrations')
      .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('used_at', '<', cutoff)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createEmailChange(values: {
    tokenHash: string;
    userId: string;
    newEmail: string;
    expiresAt: Date;
  }): Promise<void> {
    // One pending change per person: a new request voids the earlier link.
    await this.db
      .updateTable('email_change_tokens')
      .set({ used_at: new Date() })
      .where('user_id', '=', values.userId)
      .where('used_at', 'is', null)
      .execute();
    await this.db
      .insertInto('email_change_tokens')
      .values({
        token_hash: values.tokenHash,
        user_id: values.userId,
        new_email: values.newEmail,
        expires_at: values.expiresAt,
      })
      .execute();
  }

  async consumeEmailChange(tokenHash: string): Promise<{ userId: string; newEmail: string } | undefined> {
    const row = await this.db
      .updateTable('email_change_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning(['user_id', 'new_email'])
      .executeTakeFirst();
    return row && { userId: row.user_id, newEmail: row.new_email };
  }

  /** Everything that lets someone act as the person: sessions, keys, external identities, open links. */
  async removeAccessOfUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('api_credentials').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('user_identities').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('password_reset_tokens').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('email_change_tokens').where('user_id', '=', userId).execute();
  }
}
