// SQL for the club file tree: folders and files (metadata; bytes live in ctx.files under blob_key),
// versions and dead properties. Every query is scoped by the club, whose seat municipality is the tenant.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { CloudNode, CloudVersion } from '../../core/db/schema.js';

export interface NewFileContent {
  blobKey: string;
  size: number;
  sha256: string | null;
  contentType: string;
  etag: string;
}

export type ChildSort = 'name' | 'size' | 'modified';

export interface DeadProperty {
  node_id: string;
  namespace: string;
  name: string;
  value: string;
}

/** A folder member as a WebDAV listing needs it (see listing()). */
export interface ListedNode extends Pick<
  CloudNode,
  'id' | 'parent_id' | 'name' | 'kind' | 'size' | 'content_type' | 'etag' | 'created_at' | 'modified_at'
> {
  properties: DeadProperty[];
}

type ListingRow = [
  id: string,
  name: string,
  kind: 'folder' | 'file',
  size: number | string,
  contentType: string | null,
  etag: string | null,
  created: number | string,
  modified: number | string,
  properties: [string, string, string][] | null,
];

export class FilesRepository {
  constructor(private readonly db: Database) {}

  async root(clubId: string): Promise<CloudNode> {
    const existing = await this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('parent_id', 'is', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (existing) return existing;
    await sql`insert into cloud_nodes (club_id, parent_id, name, kind)
      values (${clubId}, null, '', 'folder') on conflict do nothing`.execute(this.db);
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('parent_id', 'is', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
  }

  find(clubId: string, id: string): Promise<CloudNode | undefined> {
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  child(clubId: string, parentId: string, name: string): Promise<CloudNode | undefined> {
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('parent_id', '=', parentId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Follows the names from the root in one query; undefined when a segment is missing. */
  async resolve(clubId: string, rootId: string, names: string[]): Promise<CloudNode | undefined> {
    if (names.length === 0) return this.find(clubId, rootId);
    const result = await sql<CloudNode>`
      with recursive walk(id, depth) as (
        select ${rootId}::uuid, 0
        union all
        select n.id, walk.depth + 1 from walk
        join cloud_nodes n on n.parent_id = walk.id and n.club_id = ${clubId}
          and n.deleted_at is null and n.name = (${names}::text[])[walk.depth + 1]
        where walk.depth < ${names.length}
      )
      select n.* from walk join cloud_nodes n on n.id = walk.id where walk.depth = ${names.length}`.execute(
      this.db,
    );
    return result.rows[0];
  }

  /** The names from the root to the node (empty for the root). */
  async pathOf(clubId: string, nodeId: string): Promise<string[]> {
    const result = await sql<{ name: string; parent_id: string | null }>`
      with recursive up(id, name, parent_id, depth) as (
        select id, name, parent_id, 0 from cloud_nodes where id = ${nodeId} and club_id = ${clubId}
        union all
        select n.id, n.name, n.parent_id, up.depth + 1 from up join cloud_nodes n on n.id = up.parent_id
      )
      select name, parent_id from up order by depth desc`.execute(this.db);
    return result.rows.filter((r) => r.parent_id !== null).map((r) => r.name);
  }

  /** Ids from the node up to the root (the node first). */
  async pathIds(clubId: string, nodeId: string): Promise<string[]> {
    const result = await sql<{ id: string }>`
      with recursive up(id, parent_id, depth) as (
        select id, parent_id, 0 from cloud_nodes where id = ${nodeId} and club_id = ${clubId}
        union all
        select n.id, n.parent_id, up.depth + 1 from up join cloud_nodes n on n.id = up.parent_id
      )
      select id from up order by depth`.execute(this.db);
    return result.rows.map((r) => r.id);
  }

  children(clubId: string, parentId: string): Promise<CloudNode[]> {
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('parent_id', '=', parentId)
      .where('deleted_at', 'is', null)
      .orderBy('kind', 'desc')
      .orderBy('name')
      .execute();
  }

  /** One page of a folder's live members, folders first, sorted by the given column. */
  async childrenPage(
    clubId: string,
    parentId: string,
    page: { sort: ChildSort; order: 'asc' | 'desc'; limit: number; offset: number },
    filter: { hidden: string[]; only?: string[] } = { hidden: [] },
  ): Promise<{ items: CloudNode[]; total: number }> {
    let base = this.db
      .selectFrom('cloud_nodes')
      .where('club_id', '=', clubId)
      .where('parent_id', '=', parentId)
      .where('deleted_at', 'is', null);
    // Members shared with others only; the page and the total leave them out. A way in to shares
    // shows only what leads down to them.
    if (filter.hidden.length) base = base.where('id', 'not in', filter.hidden);
    if (filter.only)
      base = filter.only.length ? base.where('id', 'in', filter.only) : base.where(sql<boolean>`false`);
    const column = ({ name: 'name', size: 'size', modified: 'modified_at' } as const)[page.sort];
    const [items, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('kind', 'desc')
        .orderBy(column, page.order)
        .orderBy('id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(count.n) };
  }

  /** The folders from the root down to the node (both included), for a breadcrumb. */
  async ancestors(clubId: string, nodeId: string): Promise<{ id: string; name: string }[]> {
    const result = await sql<{ id: string; name: string }>`
      with recursive up(id, name, parent_id, depth) as (
        select id, name, parent_id, 0 from cloud_nodes where id = ${nodeId} and club_id = ${clubId}
        union all
        select n.id, n.name, n.parent_id, up.depth + 1 from up join cloud_nodes n on n.id = up.parent_id
      )
      select id, name from up order by depth desc`.execute(this.db);
    return result.rows;
  }

  /** The live subtree below a node (not the node), parents before children. */
  async descendants(clubId: string, nodeId: string): Promise<(CloudNode & { depth: number })[]> {
    const result = await sql<CloudNode & { depth: number }>`
      with recursive sub as (
        select n.*, 1 as depth from cloud_nodes n
          where n.parent_id = ${nodeId} and n.club_id = ${clubId} and n.deleted_at is null
        union all
        select n.*, sub.depth + 1 from sub join cloud_nodes n on n.parent_id = sub.id and n.deleted_at is null
      )
      select * from sub order by depth`.execute(this.db);
    return result.rows;
  }

  search(clubId: string, term: string, limit: number): Promise<CloudNode[]> {
    const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('deleted_at', 'is', null)
      .where('parent_id', 'is not', null)
      .where(sql<boolean>`lower(name) like lower(${pattern})`)
      .orderBy('name')
      .limit(limit)
      .execute();
  }

  insertFolder(clubId: string, parentId: string, name: string, userId: string | null): Promise<CloudNode> {
    return this.db
      .insertInto('cloud_nodes')
      .values({ club_id: clubId, parent_id: parentId, name, kind: 'folder', created_by: userId })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  insertFile(
    clubId: string,
    parentId: string,
    name: string,
    content: NewFileContent,
    userId: string | null,
  ): Promise<CloudNode> {
    return this.db
      .insertInto('cloud_nodes')
      .values({
        club_id: clubId,
        parent_id: parentId,
        name,
        kind: 'file',
        size: content.size,
        content_type: content.contentType,
        blob_key: content.blobKey,
        sha256: content.sha256,
        etag: content.etag,
        created_by: userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  replaceContent(nodeId: string, content: NewFileContent): Promise<CloudNode> {
    return this.db
      .updateTable('cloud_nodes')
      .set({
        size: content.size,
        content_type: content.contentType,
        blob_key: content.blobKey,
        sha256: content.sha256,
        etag: content.etag,
        modified_at: new Date(),
      })
      .where('id', '=', nodeId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  moveNode(nodeId: string, parentId: string, name: string): Promise<CloudNode> {
    return this.db
      .updateTable('cloud_nodes')
      .set({ parent_id: parentId, name, modified_at: new Date() })
      .where('id', '=', nodeId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Moves a node and its subtree to the trash: the node is what the trash lists. */
  async trash(clubId: string, nodeId: string, userId: string | null): Promise<void> {
    const now = new Date();
    await sql`
      with recursive sub as (
        select id from cloud_nodes where id = ${nodeId} and club_id = ${clubId}
        union all
        select n.id from sub join cloud_nodes n on n.parent_id = sub.id and n.deleted_at is null
      )
      update cloud_nodes set deleted_at = ${now}, deleted_by = ${userId}, trashed = (id = ${nodeId})
      where id in (select id from sub)`.execute(this.db);
  }

  /** Brings a trashed node and what was deleted with it back, under the given name. */
  async restore(clubId: string, node: CloudNode, name: string): Promise<void> {
    await sql`
      with recursive sub as (
        select id from cloud_nodes where id = ${node.id} and club_id = ${clubId}
        union all
        select n.id from sub join cloud_nodes n on n.parent_id = sub.id
          and n.deleted_at = ${node.deleted_at} and not n.trashed
      )
      update cloud_nodes set deleted_at = null, deleted_by = null, trashed = false,
        name = case when id = ${node.id} then ${name} else name end
      where id in (select id from sub)`.execute(this.db);
  }

  listTrash(clubId: string): Promise<CloudNode[]> {
    return this.db
      .selectFrom('cloud_nodes')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('trashed', '=', true)
      .orderBy('deleted_at', 'desc')
      .execute();
  }

  /** Blob keys and sizes of a node's subtree including versions, for purging. */
  async blobsOfSubtree(clubId: string, nodeId: string): Promise<{ keys: string[]; bytes: number }> {
    const result = await sql<{ blob_key: string; size: number }>`
      with recursive sub as (
        select id, blob_key, size from cloud_nodes where id = ${nodeId} and club_id = ${clubId}
        union all
        select n.id, n.blob_key, n.size from sub join cloud_nodes n on n.parent_id = sub.id
      )
      select blob_key, size::float8 as size from sub where blob_key is not null
      union all
      select v.blob_key, v.size::float8 from cloud_versions v where v.node_id in (select id from sub)`.execute(
      this.db,
    );
    return {
      keys: result.rows.map((r) => r.blob_key),
      bytes: result.rows.reduce((sum, r) => sum + Number(r.size), 0),
    };
  }

  async allBlobKeys(clubId: string): Promise<string[]> {
    const nodes = await this.db
      .selectFrom('cloud_nodes')
      .select('blob_key')
      .where('club_id', '=', clubId)
      .where('blob_key', 'is not', null)
      .execute();
    const versions = await this.db
      .selectFrom('cloud_versions')
      .innerJoin('cloud_nodes', 'cloud_nodes.id', 'cloud_versions.node_id')
      .select('cloud_versions.blob_key')
      .where('cloud_nodes.club_id', '=', clubId)
      .execute();
    return [...nodes.map((n) => n.blob_key!), ...versions.map((v) => v.blob_key)];
  }

  async deleteNode(nodeId: string): Promise<void> {
    await this.db.deleteFrom('cloud_nodes').where('id', '=', nodeId).execute();
  }

  async allNodes(clubId: string): Promise<CloudNode[]> {
    return this.db.selectFrom('cloud_nodes').selectAll().where('club_id', '=', clubId).execute();
  }

  // Versions

  async addVersion(node: CloudNode, userId: string | null): Promise<void> {
    if (!node.blob_key) return;
    await this.db
      .insertInto('cloud_versions')
      .values({
        node_id: node.id,
        blob_key: node.blob_key,
        size: node.size,
        sha256: node.sha256,
        content_type: node.content_type,
        created_by: userId,
      })
      .execute();
  }

  versions(nodeId: string): Promise<CloudVersion[]> {
    return this.db
      .selectFrom('cloud_versions')
      .selectAll()
      .where('node_id', '=', nodeId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async deleteVersions(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('cloud_versions').where('id', 'in', ids).execute();
  }

  // Dead properties (WebDAV PROPPATCH)

  properties(nodeIds: string[]): Promise<DeadProperty[]> {
    if (nodeIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('cloud_properties').selectAll().where('node_id', 'in', nodeIds).execute();
  }

  /**
   * A folder's live members with the columns a WebDAV listing shows and, if asked, their dead
   * properties, in one query (PROPFIND Depth 1). The rows come back as one JSON array: with thousands of
   * members, decoding one JSON value is several times cheaper than decoding as many protocol rows
   * (PGlite especially), and times as epoch milliseconds spare parsing timestamps.
   */
  async listing(clubId: string, folderId: string, withProperties: boolean): Promise<ListedNode[]> {
    const properties = withProperties
      ? sql`(select json_agg(json_build_array(p.namespace, p.name, p.value))
          from cloud_properties p where p.node_id = n.id)`
      : sql`null`;
    const result = await sql<{ rows: ListingRow[] | string | null }>`
      select json_agg(json_build_array(n.id, n.name, n.kind, n.size, n.content_type, n.etag,
          floor(extract(epoch from n.created_at) * 1000), floor(extract(epoch from n.modified_at) * 1000),
          ${properties}) order by n.kind desc, n.name) as rows
      from cloud_nodes n
      where n.club_id = ${clubId} and n.parent_id = ${folderId} and n.deleted_at is null`.execute(this.db);
    const raw = result.rows[0]?.rows ?? null;
    const rows: ListingRow[] = typeof raw === 'string' ? (JSON.parse(raw) as ListingRow[]) : (raw ?? []);
    return rows.map(([id, name, kind, size, contentType, etag, created, modified, dead]) => ({
      id,
      parent_id: folderId,
      name,
      kind,
      size: Number(size),
      content_type: contentType,
      etag,
      created_at: new Date(Number(created)),
      modified_at: new Date(Number(modified)),
      properties: (dead ?? []).map(([namespace, propertyName, value]) => ({
        node_id: id,
        namespace,
        name: propertyName,
        value,
      })),
    }));
  }

  async setProperty(nodeId: string, namespace: string, name: string, value: string): Promise<void> {
    await this.db
      .insertInto('cloud_properties')
      .values({ node_id: nodeId, namespace, name, value })
      .onConflict((oc) => oc.columns(['node_id', 'namespace', 'name']).doUpdateSet({ value }))
      .execute();
  }

  async removeProperty(nodeId: string, namespace: string, name: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_properties')
      .where('node_id', '=', nodeId)
      .where('namespace', '=', namespace)
      .where('name', '=', name)
      .execute();
  }

  async copyProperties(fromId: string, toId: string): Promise<void> {
    await sql`insert into cloud_properties (node_id, namespace, name, value)
      select ${toId}, namespace, name, value from cloud_properties where node_id = ${fromId}
      on conflict (node_id, namespace, name) do update set value = excluded.value`.execute(this.db);
  }
}
