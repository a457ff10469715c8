// Citizen self-registration with double opt-in, and e-mail changes confirmed by the new address. A
// registration is not an account yet: it waits here (with the password's hash) until the link in the
// mail is opened, so an address nobody confirmed never becomes an account and nobody can squat one.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table account_registrations (
      id uuid primary key default gen_random_uuid(),
      email text not null,
      display_name text not null,
      password_hash text not null,
      locale text not null default 'de' check (locale in ('de', 'en')),
      home_municipality_id uuid not null references municipalities(id) on delete cascade,
      -- SHA-256 of the link's token; a resend replaces it, so only the newest link works.
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index account_registrations_email on account_registrations(lower(email)) where used_at is null;
    create index account_registrations_expires on account_registrations(expires_at);

    create table email_change_tokens (
      token_hash text primary key,
      user_id uuid not null references users(id) on delete cascade,
      new_email text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index email_change_tokens_user on email_change_tokens(user_id) where used_at is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table email_change_tokens, account_registrations`.execute(db);
}
