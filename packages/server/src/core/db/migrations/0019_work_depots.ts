// Where a team's crew starts its round: one depot per organisational unit (the building yard's yard), so
// the work list orders tasks from it without the crew typing coordinates.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table work_depots (
      org_unit_id uuid primary key references org_units(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      latitude double precision not null check (latitude between -90 and 90),
      longitude double precision not null check (longitude between -180 and 180),
      label text,
      updated_by uuid references users(id),
      updated_at timestamptz not null default now()
    );
    create index work_depots_municipality on work_depots(municipality_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table work_depots;`.execute(db);
}
