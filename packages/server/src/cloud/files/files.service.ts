// The club file tree over the one file storage: folders and file metadata in the database, bytes in
// ctx.files, streamed both ways. Overwriting keeps the previous content as a version; deleting moves to
// the trash. Usage (current content, versions and trash) is reserved against the club's quota before a
// write is committed, so a club cannot go over it.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Database } from '../../core/db/database.js';
import type { Club, CloudNode } from '../../core/db/schema.js';
import { AppError, Errors } from '../../core/errors.js';
import type { ByteRange, FileStorage, GetResult } from '../../core/files/storage.js';
import { clubsPolicy, type Membership } from '../clubs.policy.js';
import { ClubErrors, type ClubsService } from '../clubs.service.js';
import { pathsOf, SharesRepository } from '../sharing/shares.repository.js';
import { FileAccessView, type SharedNode } from './access.js';
import { FilesRepository, type ChildSort } from './files.repository.js';

/** Previous contents kept per file; older ones are purged. */
export const MAX_VERSIONS = 10;
export const MAX_NAME_LENGTH = 255;

export const FileErrors = {
  nameInvalid: () => new AppError('cloud_name_invalid', 400, 'The name is not allowed'),
  exists: () => new AppError('cloud_name_exists', 409, 'An item with this name exists already'),
  parentMissing: () => new AppError('cloud_parent_missing', 409, 'The folder does not exist'),
  notFolder: () => new AppError('cloud_not_folder', 409, 'This is not a folder'),
  notFile: () => new AppError('cloud_not_file', 409, 'This is not a file'),
  intoItself: () => new AppError('cloud_into_itself', 409, 'A folder cannot go into itself'),
};

export function assertValidName(name: string): void {
  if (
    name.length === 0 ||
    name.length > MAX_NAME_LENGTH ||
    name === '.' ||
    name === '..' ||
    /[/\\]/.test(name) ||
    [...name].some((c) => c.charCodeAt(0) < 0x20)
  )
    throw FileErrors.nameInvalid();
}

export interface WriteResult {
  node: CloudNode;
  created: boolean;
}

export class CloudFilesService {
  constructor(
    private readonly db: Database,
    private readonly storage: FileStorage,
    private readonly clubs: ClubsService,
  ) {}

  private repository(executor: Database = this.db) {
    return new FilesRepository(executor);
  }

  private blobKey(club: Club): string {
    return `m/${club.municipality_id}/cloud/${club.id}/${randomUUID()}`;
  }

  /**
   * The person's rights on the club's files (see files/access.ts): two queries when the club has
   * shares, then no more per node of a folder listing.
   */
  async accessFor(club: Club, userId: string, membership: Membership): Promise<FileAccessView> {
    const base = clubsPolicy.fileAccess(club, membership);
    const admin = membership.role === 'admin';
    const shared = new Map<string, SharedNode>();
    // A member without a club-wide right may still have shares (see files/access.ts).
    if (club.status === 'active' && membership.role !== null && !admin) {
      const shares = new SharesRepository(this.db);
      // Most clubs share nothing: then the one query for the rules is all a request pays.
      const rules = await shares.rulesOfClub(club.id);
      const nodes = rules.length > 0 ? await shares.sharedNodes(club.id) : [];
      for (const n of nodes) shared.set(n.node_id, { pathIds: n.path_ids, rules: [] });
      for (const r of rules)
        shared.get(r.node_id)?.rules.push({ groupId: r.group_id, userId: r.user_id, access: r.access });
    }
    return new FileAccessView(
      base,
      admin,
      userId,
      new Set(membership.groups.map((g) => g.id)),
      shared,
      (node) => this.repository().pathIds(club.id, node.id),
      (ids) => pathsOf(this.db, club.id, ids),
    );
  }

  root(club: Club): Promise<CloudNode> {
    return this.repository().root(club.id);
  }

  /** The node at the names below the club's root, or undefined. */
  async resolve(club: Club, names: string[]): Promise<CloudNode | undefined> {
    const root = await this.root(club);
    return this.repository().resolve(club.id, root.id, names);
  }

  async get(club: Club, nodeId: string): Promise<CloudNode> {
    const node = await this.repository().find(club.id, nodeId);
    if (!node) throw Errors.notFound('File');
    return node;
  }

  /** Ids from the node up to the root (the node first). */
  pathIdsOf(club: Club, node: CloudNode): Promise<string[]> {
    return this.repository().pathIds(club.id, node.id);
  }

  pathOf(club: Club, node: CloudNode): Promise<string[]> {
    return this.repository().pathOf(club.id, node.id);
  }

  children(club: Club, folder: CloudNode): Promise<CloudNode[]> {
    return this.repository().children(club.id, folder.id);
  }

  descendants(club: Club, folder: CloudNode) {
    return this.repository().descendants(club.id, folder.id);
  }

  child(club: Club, folder: CloudNode, name: string) {
    return this.repository().child(club.id, folder.id, name);
  }

  search(club: Club, term: string, limit = 100) {
    return this.repository().search(club.id, term, limit);
  }

  async createFolder(club: Club, parent: CloudNode, name: string, userId: string | null): Promise<CloudNode> {
    assertValidName(name);
    if (parent.kind !== 'folder') throw FileErrors.notFolder();
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      if (await repository.child(club.id, parent.id, name)) throw FileErrors.exists();
      return repository.insertFolder(club.id, parent.id, name, userId);
    });
  }

  /**
   * Streams new content into a file (created when missing). The previous content becomes a version.
   * With a known size, a club over its quota is refused before a byte is stored.
   */
  async writeFile(
    club: Club,
    parent: CloudNode,
    name: string,
    content: Readable,
    options: { contentType?: string | undefined; size?: number | undefined; userId: string | null },
  ): Promise<WriteResult> {
    assertValidName(name);
    if (parent.kind !== 'folder') throw FileErrors.notFolder();
    if (options.size !== undefined) {
      const fresh = await this.clubs.get(club.id);
      if (fresh.used_bytes + options.size > fresh.quota_bytes) {
        content.resume();
        throw ClubErrors.quotaExceeded();
      }
    }
    const key = this.blobKey(club);
    const contentType = options.contentType || guessContentType(name);
    const stored = await this.storage.put(key, content, {
      contentType,
      ...(options.size !== undefined ? { size: options.size } : {}),
    });
    return this.commitStored(club, parent, name, { key, ...stored, contentType }, options.userId);
  }

  /**
   * Makes content already in storage (a put or a completed resumable upload under blobKeyFor) the
   * file's current content, reserving its size; on failure the blob is deleted.
   */
  async commitStored(
    club: Club,
    parent: CloudNode,
    name: string,
    stored: { key: string; size: number; sha256: string; contentType: string },
    userId: string | null,
  ): Promise<WriteResult> {
    const key = stored.key;
    const fresh = {
      blobKey: key,
      size: stored.size,
      sha256: stored.sha256,
      contentType: stored.contentType,
      etag: newEtag(),
    };
    let purge: string[] = [];
    try {
      const result = await this.db.transaction().execute(async (trx) => {
        const repository = this.repository(trx);
        await this.clubs.reserveStorage(club.id, stored.size, trx);
        const existing = await repository.child(club.id, parent.id, name);
        if (existing && existing.kind !== 'file') throw FileErrors.notFile();
        if (!existing) {
          return {
            node: await repository.insertFile(club.id, parent.id, name, fresh, userId),
            created: true,
          };
        }
        await repository.addVersion(existing, userId);
        const node = await repository.replaceContent(existing.id, fresh);
        purge = await this.pruneVersions(club, node.id, trx);
        return { node, created: false };
      });
      await this.deleteBlobs(purge);
      return result;
    } catch (error) {
      await this.storage.delete(key);
      throw error;
    }
  }

  /** A fresh storage key for new content of the club (for resumable uploads). */
  blobKeyFor(club: Club): string {
    return this.blobKey(club);
  }

  /** Bytes the club may still store. */
  async available(club: Club): Promise<number> {
    const fresh = await this.clubs.get(club.id);
    return Math.max(0, fresh.quota_bytes - fresh.used_bytes);
  }

  listFolder(
    club: Club,
    folder: CloudNode,
    page: { sort: ChildSort; order: 'asc' | 'desc'; limit: number; offset: number },
    filter: { hidden: string[]; only?: string[] } = { hidden: [] },
  ) {
    if (folder.kind !== 'folder') throw FileErrors.notFolder();
    return this.repository().childrenPage(club.id, folder.id, page, filter);
  }

  /** Root to node, for a breadcrumb (the root has an empty name). */
  breadcrumb(club: Club, node: CloudNode) {
    return this.repository().ancestors(club.id, node.id);
  }

  /** Drops versions beyond MAX_VERSIONS; returns their blob keys to delete after the commit. */
  private async pruneVersions(club: Club, nodeId: string, trx: Database): Promise<string[]> {
    const repository = this.repository(trx);
    const old = (await repository.versions(nodeId)).slice(MAX_VERSIONS);
    if (old.length === 0) return [];
    await repository.deleteVersions(old.map((v) => v.id));
    await this.clubs.releaseStorage(
      club.id,
      old.reduce((sum, v) => sum + v.size, 0),
      trx,
    );
    return old.map((v) => v.blob_key);
  }

  private async deleteBlobs(keys: string[]): Promise<void> {
    for (const key of keys) await this.storage.delete(key);
  }

  read(node: CloudNode, range?: ByteRange): Promise<GetResult> {
    if (node.kind !== 'file' || !node.blob_key) throw FileErrors.notFile();
    return this.storage.get(node.blob_key, range ? { range } : {});
  }

  /** Creates an empty file (a WebDAV lock on an unmapped URL). */
  async createEmptyFile(club: Club, parent: CloudNode, name: string, userId: string | null) {
    const { Readable } = await import('node:stream');
    return this.writeFile(club, parent, name, Readable.from([]), { size: 0, userId });
  }

  /** Moves a node and everything below it to the trash. */
  async trash(club: Club, node: CloudNode, userId: string | null): Promise<void> {
    if (node.parent_id === null) throw Errors.forbidden('The root folder cannot be deleted');
    await this.repository().trash(club.id, node.id, userId);
  }

  listTrash(club: Club) {
    return this.repository().listTrash(club.id);
  }

  /** Restores from the trash into its old folder (or the root if that is gone), renaming on a clash. */
  async restore(club: Club, node: CloudNode): Promise<CloudNode> {
    if (!node.trashed) throw Errors.notFound('Trashed item');
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      let parent = node.parent_id ? await repository.find(club.id, node.parent_id) : undefined;
      if (!parent || parent.deleted_at) parent = await repository.root(club.id);
      let name = node.name;
      for (let n = 2; await repository.child(club.id, parent.id, name); n++) name = numbered(node.name, n);
      if (parent.id !== node.parent_id) await repository.moveNode(node.id, parent.id, node.name);
      await repository.restore(club.id, node, name);
      return (await repository.find(club.id, node.id))!;
    });
  }

  /** Deletes a trashed item for good and gives its storage back. */
  async purge(club: Club, node: CloudNode): Promise<void> {
    if (!node.trashed) throw Errors.notFound('Trashed item');
    const { keys, bytes } = await this.repository().blobsOfSubtree(club.id, node.id);
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).deleteNode(node.id);
      await this.clubs.releaseStorage(club.id, bytes, trx);
    });
    await this.deleteBlobs(keys);
  }

  /** Renames or moves a node; an existing target is trashed first when overwrite is allowed. */
  async move(
    club: Club,
    node: CloudNode,
    target: CloudNode,
    name: string,
    options: { overwrite: boolean; userId: string | null },
  ): Promise<{ node: CloudNode; replaced: boolean }> {
    assertValidName(name);
    if (target.kind !== 'folder') throw FileErrors.notFolder();
    if (node.parent_id === null) throw Errors.forbidden('The root folder cannot be moved');
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const ancestors = await repository.pathIds(club.id, target.id);
      if (ancestors.includes(node.id)) throw FileErrors.intoItself();
      const existing = await repository.child(club.id, target.id, name);
      let replaced = false;
      if (existing && existing.id !== node.id) {
        if (!options.overwrite) throw FileErrors.exists();
        await repository.trash(club.id, existing.id, options.userId);
        replaced = true;
      }
      return { node: await repository.moveNode(node.id, target.id, name), replaced };
    });
  }

  /** Copies a node (with its subtree when deep) including dead properties; contents are copied blobs. */
  async copy(
    club: Club,
    node: CloudNode,
    target: CloudNode,
    name: string,
    options: { overwrite: boolean; deep: boolean; userId: string | null },
  ): Promise<{ node: CloudNode; replaced: boolean }> {
    assertValidName(name);
    if (target.kind !== 'folder') throw FileErrors.notFolder();
    const repository = this.repository();
    if (node.kind === 'folder' && options.deep) {
      const ancestors = await repository.pathIds(club.id, target.id);
      if (ancestors.includes(node.id)) throw FileErrors.intoItself();
    }
    const sources =
      node.kind === 'folder' && options.deep ? await repository.descendants(club.id, node.id) : [];
    const files = [node, ...sources].filter((n) => n.kind === 'file' && n.blob_key);
    const copies = new Map<string, string>();
    for (const file of files) {
      const key = this.blobKey(club);
      await this.storage.copy(file.blob_key!, key);
      copies.set(file.id, key);
    }
    try {
      return await this.db.transaction().execute(async (trx) => {
        const repo = this.repository(trx);
        await this.clubs.reserveStorage(
          club.id,
          files.reduce((sum, f) => sum + f.size, 0),
          trx,
        );
        const existing = await repo.child(club.id, target.id, name);
        let replaced = false;
        if (existing) {
          if (!options.overwrite) throw FileErrors.exists();
          await repo.trash(club.id, existing.id, options.userId);
          replaced = true;
        }
        const clone = async (source: CloudNode, parentId: string, as: string) => {
          const created =
            source.kind === 'folder'
              ? await repo.insertFolder(club.id, parentId, as, options.userId)
              : await repo.insertFile(
                  club.id,
                  parentId,
                  as,
                  {
                    blobKey: copies.get(source.id)!,
                    size: source.size,
                    sha256: source.sha256,
                    contentType: source.content_type ?? 'application/octet-stream',
                    etag: newEtag(),
                  },
                  options.userId,
                );
          await repo.copyProperties(source.id, created.id);
          return created;
        };
        const top = await clone(node, target.id, name);
        const mapped = new Map<string, string>([[node.id, top.id]]);
        for (const source of sources) {
          const parentId = mapped.get(source.parent_id!);
          if (!parentId) continue;
          mapped.set(source.id, (await clone(source, parentId, source.name)).id);
        }
        return { node: top, replaced };
      });
    } catch (error) {
      await this.deleteBlobs([...copies.values()]);
      throw error;
    }
  }

  versions(node: CloudNode) {
    return this.repository().versions(node.id);
  }

  async readVersion(node: CloudNode, versionId: string): Promise<GetResult> {
    const version = (await this.versions(node)).find((v) => v.id === versionId);
    if (!version) throw Errors.notFound('Version');
    return this.storage.get(version.blob_key);
  }

  /** Makes an old version current again; the current content becomes a version itself. */
  async restoreVersion(club: Club, node: CloudNode, versionId: string, userId: string | null) {
    const version = (await this.versions(node)).find((v) => v.id === versionId);
    if (!version) throw Errors.notFound('Version');
    const key = this.blobKey(club);
    await this.storage.copy(version.blob_key, key);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const repository = this.repository(trx);
        await this.clubs.reserveStorage(club.id, version.size, trx);
        await repository.addVersion(node, userId);
        const updated = await repository.replaceContent(node.id, {
          blobKey: key,
          size: version.size,
          sha256: version.sha256,
          contentType: version.content_type ?? 'application/octet-stream',
          etag: newEtag(),
        });
        await this.pruneVersions(club, node.id, trx);
        return updated;
      });
    } catch (error) {
      await this.storage.delete(key);
      throw error;
    }
  }

  // Dead properties
  properties(nodeIds: string[]) {
    return this.repository().properties(nodeIds);
  }

  /** A folder's members for a WebDAV listing, with their dead properties if asked (one query). */
  listing(club: Club, folder: CloudNode, withProperties: boolean) {
    return this.repository().listing(club.id, folder.id, withProperties);
  }

  /** Applies property updates in order, all or nothing. */
  async patchProperties(
    node: CloudNode,
    updates: { namespace: string; name: string; value: string | null }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      for (const u of updates) {
        if (u.value === null) await repository.removeProperty(node.id, u.namespace, u.name);
        else await repository.setProperty(node.id, u.namespace, u.name, u.value);
      }
    });
  }

  /** Deletes every stored byte of a club (before its records go). */
  async deleteAllContent(club: Club): Promise<void> {
    await this.deleteBlobs(await this.repository().allBlobKeys(club.id));
  }

  allNodes(club: Club) {
    return this.repository().allNodes(club.id);
  }
}

const newEtag = () => `"${randomUUID().replace(/-/g, '')}"`;

/** "name (2).ext": a free name next to a taken one. */
export function numbered(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

const TYPES: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  css: 'text/css',
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  ics: 'text/calendar',
};

export function guessContentType(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
