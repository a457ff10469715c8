// Rules on sensor data, their state, alerts, public warnings and the citizens' subscriptions to them.
// Rule state lives here (not in memory) so that restarts and several instances evaluate the same way:
// a state row is locked while one observation batch is evaluated against it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rules (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      name text not null,
      description text not null default '',
      enabled boolean not null default false,
      -- Other municipalities of the region may copy a shared rule as a template.
      shared boolean not null default false,
      severity text not null default 'moderate' check (severity in ('minor', 'moderate', 'severe', 'extreme')),
      condition jsonb not null,
      schedule jsonb,
      actions jsonb not null default '{}',
      -- A resolved alert that comes back within this time is reopened instead of a new one (flapping).
      damping_minutes integer not null default 10 check (damping_minutes between 0 and 1440),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index rules_municipality on rules(municipality_id);

    -- Which enabled rules an observation of a Datastream must be checked against.
    create table rule_datastreams (
      rule_id uuid not null references rules(id) on delete cascade,
      datastream_id bigint not null,
      primary key (datastream_id, rule_id)
    );

    -- Evaluation state per rule and subject (a Datastream, or 'rule' for combinations).
    create table rule_states (
      rule_id uuid not null references rules(id) on delete cascade,
      subject text not null,
      state jsonb not null default '{}',
      active boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (rule_id, subject)
    );

    create table alerts (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      rule_id uuid not null references rules(id) on delete cascade,
      subject text not null,
      status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
      severity text not null,
      title text not null,
      message text not null default '',
      value double precision,
      opened_at timestamptz not null default now(),
      acknowledged_at timestamptz,
      acknowledged_by uuid references users(id),
      escalated_at timestamptz,
      resolved_at timestamptz,
      resolved_by uuid references users(id),
      resolution text check (resolution in ('cleared', 'task_done', 'manual')),
      reopen_count integer not null default 0,
      updated_at timestamptz not null default now()
    );
    -- No alert storms: one alert open per rule and subject.
    create unique index alerts_one_open on alerts(rule_id, subject) where status in ('open', 'acknowledged');
    create index alerts_municipality on alerts(municipality_id, status, opened_at desc);
    create index alerts_rule_subject on alerts(rule_id, subject, resolved_at desc);

    create table alert_comments (
      id uuid primary key default gen_random_uuid(),
      alert_id uuid not null references alerts(id) on delete cascade,
      author_id uuid references users(id),
      body text not null,
      created_at timestamptz not null default now()
    );
    create index alert_comments_alert on alert_comments(alert_id, created_at);

    create table public_warnings (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      alert_id uuid references alerts(id) on delete set null,
      level text not null check (level in ('minor', 'moderate', 'severe', 'extreme')),
      title text not null,
      text text not null,
      area_description text,
      area jsonb,
      valid_from timestamptz not null default now(),
      valid_until timestamptz,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index public_warnings_active on public_warnings(municipality_id, valid_from, valid_until);

    create table warning_subscriptions (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      channel text not null check (channel in ('email', 'webpush')),
      email text,
      push_endpoint text,
      push_keys jsonb,
      -- SHA-256 of the token in the confirmation and unsubscribe links.
      token_hash text not null unique,
      confirmed_at timestamptz,
      created_at timestamptz not null default now(),
      check ((channel = 'email') = (email is not null)),
      check ((channel = 'webpush') = (push_endpoint is not null and push_keys is not null))
    );
    create unique index warning_subscriptions_email on warning_subscriptions(municipality_id, lower(email)) where channel = 'email';
    create unique index warning_subscriptions_push on warning_subscriptions(municipality_id, push_endpoint) where channel = 'webpush';

    -- The platform's VAPID key pair for Web Push when none is configured: generated once, kept here.
    create table webpush_vapid_keys (
      id integer primary key check (id = 1),
      public_key text not null,
      private_key text not null,
      created_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webpush_vapid_keys, warning_subscriptions, public_warnings, alert_comments, alerts, rule_states, rule_datastreams, rules;`.execute(
    db,
  );
}
