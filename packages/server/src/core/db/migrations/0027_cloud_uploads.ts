// Resumable (tus) uploads of the club cloud get a row: whose upload it is and when it started, so a job
// can remove abandoned ones from storage, and a lock, so two PATCH requests on one upload (possibly on
// two instances) cannot write into it at the same time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cloud_uploads (
      id text primary key,
      club_id uuid not null references clubs(id) on delete cascade,
      user_id uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      -- Held while a PATCH writes; a crashed instance's lock runs out at locked_until.
      lock_token text,
      locked_until timestamptz
    );
    create index cloud_uploads_created on cloud_uploads(created_at);
    create index cloud_uploads_club on cloud_uploads(club_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table cloud_uploads`.execute(db);
}
