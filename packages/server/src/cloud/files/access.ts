// Effective file rights inside a club, decided in one place for WebDAV, the JSON API, tus uploads and
// public links. The model (see cloud/README.md): club admins may do everything; a node without a share on
// itself or an ancestor has the member's club-wide right (club default and groups); otherwise the nearest
// share-carrying node (itself or an ancestor) decides alone: its shares to the member or one of their
// groups give read or write, and everyone else (but admins) does not see it at all. The folders above
// something shared with a person that they could not see otherwise are a "way in": listed and opened,
// showing only what leads down to their shares, and nothing in them may be read or changed. So a member
// whose club-wide right is "none" still reaches exactly what is shared with them.
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
  /** Folders that are only a way down to shares: id → parent id. */
  private readonly wayIn = new Map<string, string | null>();

  constructor(
    /** The club-wide right (already 'write' for admins). */
    readonly base: FileAccess,
    readonly admin: boolean,
    private readonly userId: string,
    private readonly groupIds: ReadonlySet<string>,
    private readonly shared: ReadonlyMap<string, SharedNode>,
    private readonly loadPath: (node: CloudNode) => Promise<string[]>,
    private readonly loadPaths: (ids: string[]) => Promise<Map<string, string[]>>,
  ) {
    if (!this.restricted) return;
    for (const node of shared.values()) {
      if (this.ownRight(node.pathIds) === 'none') continue;
      node.pathIds.forEach((id, i) => {
        if (i > 0 && this.ownRight(node.pathIds.slice(i)) === 'none')
          this.wayIn.set(id, node.pathIds[i + 1] ?? null);
      });
    }
  }

  /** Whether shares can change anything for this person (no shares in the club, or an admin: no). */
  get restricted(): boolean {
    return !this.admin && this.shared.size > 0;
  }

  /** Whether the person may open the club's files at all: a club-wide right or something shared. */
  get opensClub(): boolean {
    return this.base !== 'none' || this.wayIn.size > 0 || this.sharedWithMe().length > 0;
  }

  /** The share-carrying nodes that give the person read or write. */
  sharedWithMe(): string[] {
    if (!this.restricted) return [];
    return [...this.shared].filter(([, node]) => this.byRules(node) !== 'none').map(([id]) => id);
  }

  /** Whether the folder is only a way down to shares (its contents are otherwise hidden). */
  isWayIn(nodeId: string): boolean {
    return this.wayIn.has(nodeId);
  }

  /** The right from the club default, groups and shares, without the ways in. */
  private ownRight(pathIds: readonly string[]): FileAccess {
    for (const id of pathIds) {
      const node = this.shared.get(id);
      if (node) return this.byRules(node);
    }
    return this.base;
  }

  /** A way in reads as a folder one may only read; its members are filtered by child(). */
  private withWayIn(nodeId: string, access: FileAccess): FileAccess {
    return access === 'none' && this.wayIn.has(nodeId) ? 'read' : access;
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
    return pathIds.length ? this.withWayIn(pathIds[0]!, this.ownRight(pathIds)) : this.base;
  }

  /** The right on one node (one query for its path, only when shares exist). */
  async of(node: CloudNode): Promise<FileAccess> {
    if (!this.restricted) return this.base;
    if (node.parent_id === null) return this.fromPath([node.id]);
    return this.fromPath(await this.loadPath(node));
  }

  /** The right on a member of a folder whose right is known: no query. */
  child(folderAccess: FileAccess, child: Pick<CloudNode, 'id' | 'parent_id'>): FileAccess {
    if (!this.restricted) return this.base;
    const node = this.shared.get(child.id);
    // Inside a way in, members without shares of their own inherit nothing.
    const inherited = child.parent_id !== null && this.wayIn.has(child.parent_id) ? 'none' : folderAccess;
    return this.withWayIn(child.id, node ? this.byRules(node) : inherited);
  }

  /**
   * How a folder's listing is narrowed: members to leave out (shared with others only), or, for a way
   * in, the only members to show.
   */
  listingFilter(folderId: string, folderAccess: FileAccess): { hidden: string[]; only?: string[] } {
    if (!this.restricted) return { hidden: [] };
    if (this.wayIn.has(folderId)) {
      const only = new Set<string>();
      for (const [id, parent] of this.wayIn) if (parent === folderId) only.add(id);
      for (const [id, node] of this.shared)
        if (node.pathIds[1] === folderId && this.byRules(node) !== 'none') only.add(id);
      return { hidden: [], only: [...only] };
    }
    const hidden: string[] = [];
    for (const [id, node] of this.shared)
      if (node.pathIds[1] === folderId && this.child(folderAccess, { id, parent_id: folderId }) === 'none')
        hidden.push(id);
    return { hidden };
  }

  /**
   * Whether the node and everything below may be read: a copy must not carry what the person cannot
   * see into a folder where they can.
   */
  readableThroughout(nodeId: string, access: FileAccess): boolean {
    if (!this.restricted) return true;
    if (access === 'none' || this.wayIn.has(nodeId)) return false;
    for (const [id, node] of this.shared)
      if (id !== nodeId && node.pathIds.includes(nodeId) && this.ownRight(node.pathIds) === 'none')
        return false;
    return true;
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
