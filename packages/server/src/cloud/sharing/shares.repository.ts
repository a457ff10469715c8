// SQL for shares of a folder or file with a club group or a member (cloud_shares). Every query is scoped
// by the club, whose seat municipality is the tenant.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { FileAccess } from '../../core/db/schema.js';

export interface ShareRow {
  id: string;
  node_id: string;
  group_id: string | null;
  user_id: string | null;
  access: 'read' | 'write';
  created_by: string | null;
  created_at: Date;
}

export interface ShareListing extends ShareRow {
  node_name: string;
  node_kind: 'folder' | 'file';
  node_deleted: boolean;
  group_name: string | null;
  user_name: string | null;
  user_email: string | null;
}

/** A node that carries shares, with its path (the node first, up to the root). */
export interface SharedNodeRow {
  node_id: string;
  path_ids: string[];
}

export class SharesRepository {
  constructor(private readonly db: Database) {}

  /** Every share-carrying node of the club with its path: one query, however many shares. */
  async sharedNodes(clubId: string): Promise<SharedNodeRow[]> {
    const result = await sql<{ node_id: string; id: string; depth: number }>`
      with recursive up(node_id, id, parent_id, depth) as (
        select n.id, n.id, n.parent_id, 0 from cloud_nodes n
        where n.club_id = ${clubId} and n.id in (select node_id from cloud_shares where club_id = ${clubId})
        union all
        select up.node_id, p.id, p.parent_id, up.depth + 1 from up join cloud_nodes p on p.id = up.parent_id
      )
      select node_id, id, depth from up order by node_id, depth`.execute(this.db);
    const byNode = new Map<string, string[]>();
    for (const row of result.rows) {
      const path = byNode.get(row.node_id) ?? [];
      path.push(row.id);
      byNode.set(row.node_id, path);
    }
    return [...byNode].map(([node_id, path_ids]) => ({ node_id, path_ids }));
  }

  rulesOfClub(clubId: string): Promise<ShareRow[]> {
    return this.db
      .selectFrom('cloud_shares')
      .select(['id', 'node_id', 'group_id', 'user_id', 'access', 'created_by', 'created_at'])
      .where('club_id', '=', clubId)
      .execute();
  }

  /** Shares with names for display: of one node, or of the whole club. */
  list(clubId: string, nodeId?: string): Promise<ShareListing[]> {
    let query = this.db
      .selectFrom('cloud_shares as s')
      .innerJoin('cloud_nodes as n', 'n.id', 's.node_id')
      .leftJoin('club_groups as g', 'g.id', 's.group_id')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.node_id',
        's.group_id',
        's.user_id',
        's.access',
        's.created_by',
        's.created_at',
        'n.name as node_name',
        'n.kind as node_kind',
        sql<boolean>`n.deleted_at is not null`.as('node_deleted'),
        'g.name as group_name',
        'u.display_name as user_name',
        'u.email as user_email',
      ])
      .where('s.club_id', '=', clubId);
    if (nodeId) query = query.where('s.node_id', '=', nodeId);
    return query.orderBy('n.name').orderBy('s.created_at').execute();
  }

  find(clubId: string, shareId: string): Promise<ShareRow | undefined> {
    return this.db
      .selectFrom('cloud_shares')
      .select(['id', 'node_id', 'group_id', 'user_id', 'access', 'created_by', 'created_at'])
      .where('club_id', '=', clubId)
      .where('id', '=', shareId)
      .executeTakeFirst();
  }

  /** The share of a node with one group or member (there is at most one). */
  findFor(clubId: string, nodeId: string, target: { groupId?: string; userId?: string }) {
    let query = this.db
      .selectFrom('cloud_shares')
      .select(['id', 'node_id', 'group_id', 'user_id', 'access', 'created_by', 'created_at'])
      .where('club_id', '=', clubId)
      .where('node_id', '=', nodeId);
    query = target.groupId
      ? query.where('group_id', '=', target.groupId)
      : query.where('user_id', '=', target.userId ?? '');
    return query.executeTakeFirst();
  }

  insert(values: {
    clubId: string;
    nodeId: string;
    groupId: string | null;
    userId: string | null;
    access: 'read' | 'write';
    createdBy: string | null;
  }): Promise<ShareRow> {
    return this.db
      .insertInto('cloud_shares')
      .values({
        club_id: values.clubId,
        node_id: values.nodeId,
        group_id: values.groupId,
        user_id: values.userId,
        access: values.access,
        created_by: values.createdBy,
      })
      .returning(['id', 'node_id', 'group_id', 'user_id', 'access', 'created_by', 'created_at'])
      .executeTakeFirstOrThrow();
  }

  setAccess(clubId: string, shareId: string, access: Exclude<FileAccess, 'none'>): Promise<ShareRow> {
    return this.db
      .updateTable('cloud_shares')
      .set({ access })
      .where('club_id', '=', clubId)
      .where('id', '=', shareId)
      .returning(['id', 'node_id', 'group_id', 'user_id', 'access', 'created_by', 'created_at'])
      .executeTakeFirstOrThrow();
  }

  async delete(clubId: string, shareId: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_shares')
      .where('club_id', '=', clubId)
      .where('id', '=', shareId)
      .execute();
  }
}

/** Paths (node first, up to the root) of several nodes in one query, for filtering search and trash. */
export async function pathsOf(db: Database, clubId: string, ids: string[]): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>();
  if (ids.length === 0) return paths;
  const result = await sql<{ start_id: string; id: string; depth: number }>`
    with recursive up(start_id, id, parent_id, depth) as (
      select id, id, parent_id, 0 from cloud_nodes
      where club_id = ${clubId} and id in (${sql.join(ids)})
      union all
      select up.start_id, p.id, p.parent_id, up.depth + 1 from up join cloud_nodes p on p.id = up.parent_id
    )
    select start_id, id, depth from up order by start_id, depth`.execute(db);
  for (const row of result.rows) {
    const path = paths.get(row.start_id) ?? [];
    path.push(row.id);
    paths.set(row.start_id, path);
  }
  return paths;
}
