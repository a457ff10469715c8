// SAML single sign-on state, online payments and deliveries to specialised software (connectors).
// The case model (0014) plugs into these through source_type/source_id, so there is no foreign key to it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An AuthnRequest that was sent and not yet answered; the ACS uses it up (InResponseTo check).
    create table saml_requests (
      request_id text primary key,
      next_path text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index saml_requests_expiry on saml_requests(expires_at);
    -- Assertions that were accepted, kept until they expire: the same assertion is never accepted twice.
    create table saml_seen_assertions (
      assertion_id text primary key,
      expires_at timestamptz not null
    );
    create index saml_seen_assertions_expiry on saml_seen_assertions(expires_at);

    create table payments (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      source_type text not null,
      source_id text not null,
      reference text not null,
      purpose text not null,
      amount_cents integer not null check (amount_cents > 0),
      currency text not null default 'EUR' check (currency = 'EUR'),
      provider text not null,
      status text not null default 'open'
        check (status in ('open', 'pending', 'paid', 'failed', 'cancelled', 'expired')),
      link_token_hash text not null unique,
      provider_transaction_id text,
      return_url text,
      payer_email text,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      expires_at timestamptz not null,
      paid_at timestamptz
    );
    -- One payment per reference in a municipality: the case workflow may ask twice and gets the same one.
    create unique index payments_reference on payments(municipality_id, reference);
    create index payments_source on payments(municipality_id, source_type, source_id);
    create unique index payments_provider_transaction on payments(provider, provider_transaction_id);

    create table connector_destinations (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      service_key text not null,
      kind text not null check (kind in ('fit-connect', 'webhook', 'xml')),
      name text not null,
      settings jsonb not null,
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index connector_destinations_service on connector_destinations(municipality_id, service_key);

    create table connector_deliveries (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      destination_id uuid not null references connector_destinations(id),
      source_type text not null,
      source_id text not null,
      submission jsonb not null,
      status text not null default 'queued'
        check (status in ('queued', 'delivered', 'failed', 'accepted', 'rejected')),
      attempts integer not null default 0,
      last_error text,
      job_id bigint,
      remote_id text,
      remote_status text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      delivered_at timestamptz
    );
    create index connector_deliveries_list on connector_deliveries(municipality_id, status, created_at);
    create index connector_deliveries_source on connector_deliveries(source_type, source_id);
    create unique index connector_deliveries_remote on connector_deliveries(destination_id, remote_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table connector_deliveries, connector_destinations, payments, saml_seen_assertions, saml_requests;
  `.execute(db);
}
