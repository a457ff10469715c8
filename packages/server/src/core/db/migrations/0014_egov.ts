// Online services (egov): a region's shared service catalogue with versions, per-municipality
// parameters, cases with encrypted citizen data and persisted BPMN engine state, messages, files, and
// one data key per municipality (envelope encryption).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table egov_services (
      id uuid primary key default gen_random_uuid(),
      region_id uuid not null references regions(id),
      slug text not null,
      leika_key text not null check (leika_key like 'urn:de:fim:leika:leistung:%'),
      created_at timestamptz not null default now(),
      unique (region_id, slug)
    );

    create table egov_service_versions (
      id uuid primary key default gen_random_uuid(),
      service_id uuid not null references egov_services(id) on delete cascade,
      version integer not null,
      status text not null default 'draft' check (status in ('draft', 'published', 'retired')),
      name text not null,
      description text not null default '',
      form_schema jsonb not null,
      bpmn_xml text not null,
      fee_rules jsonb not null default '[]',
      required_documents jsonb not null default '[]',
      allow_anonymous boolean not null default false,
      retention_days integer not null default 365 check (retention_days > 0),
      processing_days integer not null default 14 check (processing_days > 0),
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      published_at timestamptz,
      unique (service_id, version)
    );
    -- At most one published version per service: publishing retires the previous one.
    create unique index egov_service_versions_published on egov_service_versions(service_id) where status = 'published';

    create table egov_municipality_services (
      municipality_id uuid not null references municipalities(id),
      service_id uuid not null references egov_services(id) on delete cascade,
      enabled boolean not null default true,
      responsible_office text not null default '',
      contact_email text,
      contact_phone text,
      fee_overrides jsonb not null default '{}',
      team_id uuid references org_units(id),
      updated_at timestamptz not null default now(),
      primary key (municipality_id, service_id)
    );

    create table egov_municipality_keys (
      municipality_id uuid primary key references municipalities(id),
      wrapped_key text not null,
      created_at timestamptz not null default now()
    );

    create table egov_cases (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      service_version_id uuid not null references egov_service_versions(id),
      reference text not null unique,
      status text not null default 'draft'
        check (status in ('draft', 'received', 'in_progress', 'action_required', 'completed', 'rejected')),
      test_mode boolean not null default false,
      citizen_user_id uuid references users(id) on delete set null,
      resume_token_hash text,
      data_encrypted text not null,
      engine_state_encrypted text,
      engine_revision integer not null default 0,
      fee_cents integer not null default 0,
      assignee_id uuid references users(id) on delete set null,
      due_at timestamptz,
      submitted_at timestamptz,
      closed_at timestamptz,
      delete_after timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index egov_cases_inbox on egov_cases(municipality_id, status, submitted_at);
    create index egov_cases_citizen on egov_cases(citizen_user_id) where citizen_user_id is not null;
    create index egov_cases_retention on egov_cases(delete_after) where delete_after is not null;
    create unique index egov_cases_resume on egov_cases(resume_token_hash) where resume_token_hash is not null;

    create table egov_case_messages (
      id uuid primary key default gen_random_uuid(),
      case_id uuid not null references egov_cases(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      sender text not null check (sender in ('citizen', 'staff', 'system')),
      author_id uuid references users(id) on delete set null,
      body_encrypted text not null,
      created_at timestamptz not null default now()
    );
    create index egov_case_messages_case on egov_case_messages(case_id, created_at);

    create table egov_case_files (
      id uuid primary key default gen_random_uuid(),
      case_id uuid not null references egov_cases(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      kind text not null check (kind in ('attachment', 'receipt', 'document')),
      field_key text,
      file_name text not null,
      content_type text not null,
      size bigint not null,
      sha256 text not null,
      storage_key text not null,
      created_at timestamptz not null default now()
    );
    create index egov_case_files_case on egov_case_files(case_id, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table egov_case_files, egov_case_messages, egov_cases, egov_municipality_keys,
    egov_municipality_services, egov_service_versions, egov_services;`.execute(db);
}
