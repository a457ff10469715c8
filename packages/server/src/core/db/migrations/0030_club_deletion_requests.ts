// A club admin asks the municipality to delete the club: one request at a time per club (pending), which
// municipal admins confirm (the deletion job starts) or decline with a reason; the requester may withdraw
// it while it is pending. The rows go with the club.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table club_deletion_requests (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      status text not null default 'pending'
        check (status in ('pending', 'confirmed', 'declined', 'withdrawn')),
      note text,
      requested_by uuid references users(id) on delete set null,
      task_id uuid references tasks(id) on delete set null,
      decided_by uuid references users(id) on delete set null,
      decision_reason text,
      created_at timestamptz not null default now(),
      decided_at timestamptz
    );
    create unique index club_deletion_requests_one_pending
      on club_deletion_requests(club_id) where status = 'pending';
    create index club_deletion_requests_club on club_deletion_requests(club_id, created_at);
    create index club_deletion_requests_pending
      on club_deletion_requests(municipality_id) where status = 'pending';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table club_deletion_requests`.execute(db);
}
