// Club cloud: clubs seated in a municipality (the tenant), their members, groups, invitations and
// support requests; the club's file tree (metadata here, bytes in ctx.files), versions, WebDAV dead
// properties and locks, shares and public links.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table clubs (
      id uuid primary key default gen_random_uuid(),
      municipality_id uuid not null references municipalities(id),
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
      name text not null,
      register_number text,
      status text not null default 'applied' check (status in ('applied', 'active', 'rejected')),
      quota_bytes bigint not null default 1099511627776 check (quota_bytes >= 0),
      used_bytes bigint not null default 0,
      contact_email text,
      applied_by uuid references users(id),
      decided_by uuid references users(id),
      decided_at timestamptz,
      decision_note text,
      default_member_access text not null default 'write' check (default_member_access in ('none', 'read', 'write')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index clubs_municipality on clubs(municipality_id, status);

    create table club_members (
      club_id uuid not null references clubs(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      role text not null check (role in ('admin', 'member')),
      created_at timestamptz not null default now(),
      primary key (club_id, user_id)
    );
    create index club_members_user on club_members(user_id);

    create table club_groups (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      name text not null,
      file_access text not null default 'read' check (file_access in ('none', 'read', 'write')),
      may_manage_members boolean not null default false,
      created_at timestamptz not null default now(),
      unique (club_id, name)
    );

    create table club_group_members (
      group_id uuid not null references club_groups(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      primary key (group_id, user_id)
    );

    create table club_invitations (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      email text not null,
      role text not null check (role in ('admin', 'member')),
      token_hash text not null unique,
      invited_by uuid references users(id),
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid references users(id),
      created_at timestamptz not null default now()
    );
    create index club_invitations_club on club_invitations(club_id);

    create table club_support_requests (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      municipality_id uuid not null references municipalities(id),
      subject text not null,
      status text not null default 'open' check (status in ('open', 'answered', 'closed')),
      created_by uuid references users(id),
      task_id uuid references tasks(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index club_support_municipality on club_support_requests(municipality_id, status);
    create index club_support_club on club_support_requests(club_id);

    create table club_support_messages (
      id uuid primary key default gen_random_uuid(),
      request_id uuid not null references club_support_requests(id) on delete cascade,
      author_id uuid references users(id) on delete set null,
      from_staff boolean not null,
      body text not null,
      created_at timestamptz not null default now()
    );
    create index club_support_messages_request on club_support_messages(request_id, created_at);

    -- The file tree. The root folder of a club has no parent and an empty name.
    create table cloud_nodes (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      parent_id uuid references cloud_nodes(id) on delete cascade,
      name text not null,
      kind text not null check (kind in ('folder', 'file')),
      size bigint not null default 0,
      content_type text,
      blob_key text,
      sha256 text,
      etag text,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      modified_at timestamptz not null default now(),
      deleted_at timestamptz,
      deleted_by uuid references users(id) on delete set null,
      -- The top of a deleted subtree (what the trash lists); its descendants keep their parent.
      trashed boolean not null default false
    );
    create unique index cloud_nodes_name on cloud_nodes(club_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name)
      where deleted_at is null;
    create index cloud_nodes_parent on cloud_nodes(parent_id);
    create index cloud_nodes_trash on cloud_nodes(club_id) where trashed;

    create table cloud_versions (
      id uuid primary key default gen_random_uuid(),
      node_id uuid not null references cloud_nodes(id) on delete cascade,
      blob_key text not null,
      size bigint not null,
      sha256 text,
      content_type text,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now()
    );
    create index cloud_versions_node on cloud_versions(node_id, created_at);

    create table cloud_properties (
      node_id uuid not null references cloud_nodes(id) on delete cascade,
      namespace text not null,
      name text not null,
      value text not null,
      primary key (node_id, namespace, name)
    );

    -- WebDAV locks are held on paths (a lock on an unmapped URL creates an empty resource, RFC 4918 7.3).
    create table cloud_locks (
      token text primary key,
      club_id uuid not null references clubs(id) on delete cascade,
      path text not null,
      depth text not null check (depth in ('0', 'infinity')),
      scope text not null check (scope in ('exclusive', 'shared')),
      owner_xml text,
      user_id uuid references users(id) on delete cascade,
      timeout_seconds integer not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    );
    create index cloud_locks_path on cloud_locks(club_id, path);

    create table cloud_shares (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      node_id uuid not null references cloud_nodes(id) on delete cascade,
      group_id uuid references club_groups(id) on delete cascade,
      user_id uuid references users(id) on delete cascade,
      access text not null check (access in ('read', 'write')),
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      check ((group_id is null) <> (user_id is null))
    );
    create index cloud_shares_node on cloud_shares(node_id);

    create table cloud_public_links (
      id uuid primary key default gen_random_uuid(),
      club_id uuid not null references clubs(id) on delete cascade,
      node_id uuid not null references cloud_nodes(id) on delete cascade,
      token_hash text not null unique,
      mode text not null check (mode in ('read', 'upload_only')),
      password_hash text,
      expires_at timestamptz,
      created_by uuid references users(id) on delete set null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      revoked_by uuid references users(id) on delete set null
    );
    create index cloud_public_links_club on cloud_public_links(club_id) where revoked_at is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table cloud_public_links, cloud_shares, cloud_locks, cloud_properties, cloud_versions,
    cloud_nodes, club_support_messages, club_support_requests, club_invitations, club_group_members,
    club_groups, club_members, clubs;`.execute(db);
}
