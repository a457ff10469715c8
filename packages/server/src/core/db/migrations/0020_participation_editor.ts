// Participation, second step: posts written in the rich-text editor are stored as sanitised HTML next to
// the Markdown ones (a format column, so old posts keep rendering), images carry their alternative text,
// and a small gazetteer of streets and places per municipality serves the built-in address search.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table participation_posts
      add column body_format text not null default 'markdown' check (body_format in ('markdown', 'html'));
    alter table participation_images add column alt text not null default '';

    create table participation_places (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      kind text not null check (kind in ('street', 'place')),
      name text not null,
      -- Lower-case name without umlauts and ß, so "Strasse" finds "Straße".
      search_name text not null,
      lat double precision not null,
      lon double precision not null,
      unique (municipality_id, kind, name)
    );
    create index participation_places_search on participation_places(municipality_id, search_name);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table participation_places;
    alter table participation_images drop column alt;
    alter table participation_posts drop column body_format;
  `.execute(db);
}
