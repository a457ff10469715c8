// Video meeting rooms of clubs (cloud/meetings). Who is in a room right now lives in the signalling hub's
// memory, not here: a room's live state ends with its last participant.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cloud_meeting_rooms (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      club_id uuid not null references clubs(id) on delete cascade,
      name text not null check (length(name) between 1 and 120),
      waiting_room boolean not null default false,
      guest_token_hash text unique,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now()
    );
    create index cloud_meeting_rooms_club on cloud_meeting_rooms(municipality_id, club_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table cloud_meeting_rooms`.execute(db);
}
