// Participation: news and info pages, citizen reports (Mängelmelder) with photos and comments, the
// categories and municipality boundaries that route them, and feedback on the project.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- News and pages of a municipality, or of the whole region when municipality_id is null.
    create table participation_posts (
      id uuid primary key default gen_random_uuid(),
      region_id uuid not null references regions(id),
      municipality_id uuid references municipalities(id),
      kind text not null check (kind in ('news', 'page')),
      -- A legal or plain-language page the platform links to; at most one of each per municipality.
      page_role text check (page_role in ('accessibility', 'privacy', 'imprint', 'plain_language')),
      slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
      title text not null,
      summary text not null default '',
      body_markdown text not null default '',
      body_html text not null default '',
      fields_of_action text[] not null default '{}',
      status text not null default 'draft' check (status in ('draft', 'published')),
      publish_at timestamptz,
      author_id uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index participation_posts_slug
      on participation_posts(region_id, coalesce(municipality_id, '00000000-0000-0000-0000-000000000000'::uuid), kind, slug);
    create unique index participation_posts_role
      on participation_posts(region_id, coalesce(municipality_id, '00000000-0000-0000-0000-000000000000'::uuid), page_role)
      where page_role is not null;
    create index participation_posts_public on participation_posts(region_id, kind, status, publish_at desc);

    create table participation_images (
      id uuid primary key default gen_random_uuid(),
      region_id uuid not null references regions(id),
      municipality_id uuid references municipalities(id),
      file_key text not null,
      content_type text not null,
      size integer not null,
      created_by uuid references users(id),
      created_at timestamptz not null default now()
    );

    create table participation_boundaries (
      municipality_id uuid primary key references municipalities(id),
      geometry jsonb not null,
      min_lat double precision not null,
      min_lon double precision not null,
      max_lat double precision not null,
      max_lon double precision not null,
      updated_at timestamptz not null default now()
    );

    create table report_categories (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      code text not null check (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      name text not null,
      description text not null default '',
      keywords text[] not null default '{}',
      team_id uuid references org_units(id),
      attributes jsonb not null default '[]',
      active boolean not null default true,
      created_at timestamptz not null default now(),
      unique (municipality_id, code)
    );

    create table reports (
      id uuid primary key default gen_random_uuid(),
      number bigint generated always as identity unique,
      municipality_id uuid not null references municipalities(id),
      category_id uuid not null references report_categories(id),
      team_id uuid references org_units(id),
      tracking_token_hash text not null unique,
      description text not null,
      latitude double precision check (latitude between -90 and 90),
      longitude double precision check (longitude between -180 and 180),
      address text,
      attributes jsonb not null default '{}',
      media_url text,
      status text not null default 'open' check (status in ('open', 'acknowledged', 'in_progress', 'closed')),
      status_note text,
      reporter_name text,
      reporter_email text,
      reporter_phone text,
      reporter_user_id uuid references users(id),
      duplicate_of uuid references reports(id),
      task_id uuid references tasks(id),
      channel text not null default 'web' check (channel in ('web', 'open311')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      closed_at timestamptz
    );
    create index reports_municipality on reports(municipality_id, created_at desc);
    create index reports_status on reports(municipality_id, status);

    create table report_photos (
      id uuid primary key default gen_random_uuid(),
      report_id uuid not null references reports(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      file_key text not null,
      content_type text not null,
      size integer not null,
      approved boolean not null default false,
      created_at timestamptz not null default now()
    );
    create index report_photos_report on report_photos(report_id);

    create table report_comments (
      id uuid primary key default gen_random_uuid(),
      report_id uuid not null references reports(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      author_id uuid references users(id),
      visibility text not null check (visibility in ('public', 'internal')),
      body text not null,
      created_at timestamptz not null default now()
    );
    create index report_comments_report on report_comments(report_id, created_at);

    -- Feedback and ideas on the Smart Region project, answered publicly after moderation.
    create table participation_feedback (
      id uuid primary key default gen_random_uuid(),
      region_id uuid not null references regions(id),
      municipality_id uuid references municipalities(id),
      kind text not null check (kind in ('feedback', 'idea')),
      title text not null,
      body text not null,
      author_name text,
      author_email text,
      status text not null default 'new' check (status in ('new', 'published', 'hidden')),
      answer text,
      answered_by uuid references users(id),
      answered_at timestamptz,
      created_at timestamptz not null default now()
    );
    create index participation_feedback_region on participation_feedback(region_id, status, created_at desc);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table participation_feedback, report_comments, report_photos, reports, report_categories,
    participation_boundaries, participation_images, participation_posts;`.execute(db);
}
