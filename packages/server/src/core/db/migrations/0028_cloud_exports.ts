// Data protection for the club cloud: per-club exports (a ZIP in ctx.files, made by a job, kept until
// expires_at) and the status 'deleting', which shuts a club at once while a job removes its data.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table clubs drop constraint clubs_status_check;
    alter table clubs add constraint clubs_status_check
      check (status in ('applied', 'active', 'rejected', 'deleting'));

    create table cloud_exports (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      files_done integer not null default 0,
      files_total integer not null default 0,
      blob_key text,
      size bigint,
      error text,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      expires_at timestamptz not null
    );
    create index cloud_exports_club on cloud_exports(club_id, created_at);
    create index cloud_exports_expires on cloud_exports(expires_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table cloud_exports;
    alter table clubs drop constraint clubs_status_check;
    alter table clubs add constraint clubs_status_check check (status in ('applied', 'active', 'rejected'));
  `.execute(db);
}
