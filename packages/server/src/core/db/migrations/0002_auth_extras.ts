// Password reset by e-mail and single sign-on with OpenID Connect. The tables for reset tokens and external
// identities came with 0001; this adds the pending OIDC logins and the lookups by user that invalidating
// tokens and listing identities need.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table oidc_login_states (
      state_hash text primary key,
      code_verifier text not null,
      nonce text not null,
      next_path text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index oidc_login_states_expires on oidc_login_states(expires_at);

    create index password_reset_tokens_user on password_reset_tokens(user_id) where used_at is null;
    create index password_reset_tokens_expires on password_reset_tokens(expires_at);
    create index user_identities_user on user_identities(user_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index user_identities_user, password_reset_tokens_expires, password_reset_tokens_user;
    drop table oidc_login_states;
  `.execute(db);
}
