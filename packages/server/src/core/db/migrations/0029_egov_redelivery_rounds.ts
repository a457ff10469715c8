// Online services: a delivery the receiver rejected can be sent again by hand as a new round. Each round
// has its own idempotency key (`<delivery id>` for the first, `<delivery id>.<round>` after), so the
// receiver sees a new submission rather than a repeat; the remote ids of earlier rounds are kept so late
// callbacks about them are recognised and change nothing.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table connector_deliveries
      add column round integer not null default 1 check (round >= 1),
      add column earlier_remote_ids text[] not null default '{}';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table connector_deliveries drop column round, drop column earlier_remote_ids;
  `.execute(db);
}
