// The one work inbox: tasks for a municipality's teams, whatever created them (a sensor rule's measure,
// a citizen report, an online-service case, or staff by hand). Each task points back at its source.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tasks (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      team_id uuid references org_units(id),
      source_type text not null,
      source_id text not null,
      title text not null,
      description text not null default '',
      status text not null default 'open' check (status in ('open', 'in_progress', 'done', 'cancelled')),
      priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
      assignee_id uuid references users(id),
      due_at timestamptz,
      latitude double precision check (latitude between -90 and 90),
      longitude double precision check (longitude between -180 and 180),
      location_label text,
      created_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      completed_by uuid references users(id),
      completion_note text
    );
    -- One open task per source: a rule firing twice or a report sent twice does not double the work.
    create unique index tasks_open_source on tasks(source_type, source_id) where status in ('open', 'in_progress');
    create index tasks_inbox on tasks(municipality_id, status, due_at);
    create index tasks_team on tasks(team_id) where status in ('open', 'in_progress');
    create index tasks_assignee on tasks(assignee_id) where status in ('open', 'in_progress');

    create table task_comments (
      id uuid primary key default gen_random_uuid(),
      task_id uuid not null references tasks(id) on delete cascade,
      author_id uuid references users(id),
      body text not null,
      created_at timestamptz not null default now()
    );
    create index task_comments_task on task_comments(task_id, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table task_comments, tasks;`.execute(db);
}
