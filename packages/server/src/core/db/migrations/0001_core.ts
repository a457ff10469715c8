// Core of the platform: the region and its municipalities (tenants), organisational units, people,
// role grants (including substitution across municipalities), sessions and credentials, audit log, jobs.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table regions (
      id uuid primary key default gen_random_uuid(),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text not null,
      description text,
      created_at timestamptz not null default now()
    );

    create table municipalities (
      id uuid primary key default gen_random_uuid(),
      region_id uuid not null references regions(id),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text not null,
      ags char(8) unique check (ags ~ '^[0-9]{8}$'),
      ars char(12) unique check (ars ~ '^[0-9]{12}$'),
      coat_of_arms_url text,
      contact_email text,
      contact_phone text,
      address text,
      website_url text,
      privacy_url text,
      imprint_url text,
      accessibility_url text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index municipalities_region on municipalities(region_id);

    create table org_units (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      parent_id uuid references org_units(id),
      kind text not null check (kind in ('department', 'building_yard', 'team', 'club')),
      name text not null,
      created_at timestamptz not null default now(),
      unique (municipality_id, name)
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null,
      display_name text not null,
      home_municipality_id uuid references municipalities(id),
      password_hash text,
      app_passwords_only boolean not null default false,
      status text not null default 'active' check (status in ('active', 'disabled')),
      locale text not null default 'de' check (locale in ('de', 'en')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_login_at timestamptz
    );
    create unique index users_email on users(lower(email));
    create index users_home on users(home_municipality_id);

    create table role_grants (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id) on delete cascade,
      role text not null check (role in ('platform_admin', 'municipal_admin', 'process_designer', 'caseworker',
        'building_yard', 'club_admin', 'club_member', 'citizen')),
      municipality_id uuid references municipalities(id),
      org_unit_id uuid references org_units(id),
      reason text,
      granted_by uuid references users(id),
      valid_until timestamptz,
      revoked_at timestamptz,
      revoked_by uuid references users(id),
      created_at timestamptz not null default now(),
      check ((role = 'platform_admin') = (municipality_id is null))
    );
    create index role_grants_user on role_grants(user_id) where revoked_at is null;
    create index role_grants_municipality on role_grants(municipality_id) where revoked_at is null;

    create table sessions (
      id_hash text primary key,
      user_id uuid not null references users(id) on delete cascade,
      csrf_token text not null,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null,
      ip text,
      user_agent text
    );
    create index sessions_user on sessions(user_id);
    create index sessions_expires on sessions(expires_at);

    create table api_credentials (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users(id) on delete cascade,
      kind text not null check (kind in ('api_key', 'app_password')),
      label text not null,
      secret_hash text not null,
      scopes text[] not null default '{}',
      municipality_id uuid references municipalities(id),
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz
    );
    create index api_credentials_user on api_credentials(user_id);
    create unique index api_credentials_secret on api_credentials(secret_hash);

    create table password_reset_tokens (
      token_hash text primary key,
      user_id uuid not null references users(id) on delete cascade,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz
    );

    create table login_throttle (
      key text primary key,
      window_start timestamptz not null,
      failures integer not null
    );

    create table user_identities (
      issuer text not null,
      subject text not null,
      user_id uuid not null references users(id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (issuer, subject)
    );

    create table audit_log (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      actor_user_id uuid,
      actor_label text not null,
      municipality_id uuid,
      action text not null,
      target_type text not null,
      target_id text,
      details jsonb not null default '{}',
      ip text,
      request_id text
    );
    create index audit_log_municipality_at on audit_log(municipality_id, at desc);
    create index audit_log_at on audit_log(at desc);

    create table jobs (
      id bigint generated always as identity primary key,
      name text not null,
      payload jsonb not null default '{}',
      municipality_id uuid,
      status text not null default 'pending' check (status in ('pending', 'running', 'done', 'dead')),
      attempts integer not null default 0,
      max_attempts integer not null default 5,
      run_at timestamptz not null default now(),
      locked_until timestamptz,
      locked_by text,
      last_error text,
      unique_key text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create index jobs_due on jobs(run_at) where status = 'pending';
    create unique index jobs_unique_key on jobs(unique_key) where status in ('pending', 'running');
    create index jobs_running_lease on jobs(locked_until) where status = 'running';
    create index jobs_dead on jobs(municipality_id, id desc) where status = 'dead';
    create index jobs_done_finished on jobs(finished_at) where status = 'done';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table jobs, audit_log, user_identities, login_throttle, password_reset_tokens, api_credentials,
      sessions, role_grants, users, org_units, municipalities, regions;
  `.execute(db);
}
