// Effective file rights inside a club, decided in one place for WebDAV, the JSON API, tus uploads and
// public links. The model (see cloud/README.md): club admins may do everything; a node without a share on
// itself or an ancestor has the member's club-wide right (club default and groups); otherwise the nearest
// share-carrying node (itself or an ancestor) decides alone: its shares to the member or one of their
// groups give read or write, and everyone else (but admins) does not see it at all.
import type { CloudNode, FileAccess } from '../../core/db/schema.js';
import { maxAccess } from '../clubs.policy.js';

export interface ShareRule {
  groupId: string | null;
  userId: string | null;
  access: 'read' | 'write';
}

export interface SharedNode {
  /** The node first, up to the root. */
  pathIds: string[];
  rules: ShareRule[];
}

export class FileAccessView {
  constructor(
    /** The club-wide right (already 'write' for admins). */
    readonly base: FileAccess,
    readonly admin: boolean,
    private readonly userId: string,
    private readonly groupIds: ReadonlySet<string>,
    private readonly shared: ReadonlyMap<string, SharedNode>,
    private readonly loadPath: (node: CloudNode) => Promise<string[]>,
    private readonly loadPaths: (ids: string[]) => Promise<Map<string, string[]>>,
  ) {}

  /** Whether shares can change anything for this person (no shares in the club, or an admin: no). */
  get restricted(): boolean {
    return !this.admin && this.base !== 'none' && this.shared.size > 0;
  }

  private byRules(node: SharedNode): FileAccess {
    return maxAccess(
      'none',
      ...node.rules
        .filter((r) => r.userId === this.userId || (r.groupId !== null && this.groupIds.has(r.groupId)))
        .map((r) => r.access),
    );
  }

  /** The right on the node whose path (node first) is given. */
  fromPath(pathIds: readonly string[]): FileAccess {
    if (!this.restricted) return this.base;
    for (const id of pathIds) {
      const node = this.shared.get(id);
      if (node) return this.byRules(node);
    }
    return this.base;
  }

  /** The right on one node (one query for its path, only when shares exist). */
  async of(node: CloudNode): Promise<FileAccess> {
    if (!this.restricted) return this.base;
    if (node.parent_id === null) return this.fromPath([node.id]);
    return this.fromPath(await this.loadPath(node));
  }

  /** The right on a member of a folder whose right is known: no query. */
  child(folderAccess: FileAccess, child: Pick<CloudNode, 'id'>): FileAccess {
    if (!this.restricted) return this.base;
    const node = this.shared.get(child.id);
    return node ? this.byRules(node) : folderAccess;
  }

  /** Members of the folder the person may not see (they carry shares that leave them out). */
  hiddenChildren(folderId: string, folderAccess: FileAccess): string[] {
    if (!this.restricted) return [];
    const hidden: string[] = [];
    for (const [id, node] of this.shared)
      if (node.pathIds[1] === folderId && this.child(folderAccess, { id }) === 'none') hidden.push(id);
    return hidden;
  }

  /**
   * Whether something below the node (not the node itself) carries shares that leave the person less
   * than write: deleting or moving the folder would then touch what they may not change.
   */
  protectedBelow(nodeId: string): boolean {
    if (!this.restricted) return false;
    for (const [id, node] of this.shared) {
      if (id === nodeId || !node.pathIds.includes(nodeId)) continue;
      if (this.fromPath(node.pathIds) !== 'write') return true;
    }
    return false;
  }

  /** The rights on many nodes (search results, trash): one query for all paths. */
  async ofMany(nodes: CloudNode[]): Promise<Map<string, FileAccess>> {
    const result = new Map<string, FileAccess>();
    if (!this.restricted) {
      for (const n of nodes) result.set(n.id, this.base);
      return result;
    }
    const paths = await this.loadPaths(nodes.map((n) => n.id));
    for (const n of nodes) result.set(n.id, this.fromPath(paths.get(n.id) ?? [n.id]));
    return result;
  }

  /** Only the nodes the person may see. */
  async visible<T extends CloudNode>(nodes: T[]): Promise<T[]> {
    if (!this.restricted) return nodes;
    const rights = await this.ofMany(nodes);
    return nodes.filter((n) => rights.get(n.id) !== 'none');
  }
}
