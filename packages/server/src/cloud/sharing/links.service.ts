// Public links to a club file or folder: read-only, or upload-only ("file drop") into a folder, with an
// optional password (argon2, as for accounts) and expiry. The token is shown once; only its SHA-256 is
// stored. A password is proven once per visit; the answer is a grant derived from the token and the
// password hash, so it dies with the link or a new password. Creating and revoking links is audited.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import { hashPassword, verifyPassword } from '../../core/auth/passwords.js';
import { newToken, safeEqual, sha256 } from '../../core/auth/tokens.js';
import type { Database } from '../../core/db/database.js';
import type { Club, CloudNode, CloudPublicLink } from '../../core/db/schema.js';
import { AppError, Errors } from '../../core/errors.js';
import type { ClubsService } from '../clubs.service.js';
import { FileErrors, numbered, type CloudFilesService } from '../files/files.service.js';
import { LinksRepository } from './links.repository.js';

export const LinkErrors = {
  passwordRequired: () => new AppError('link_password_required', 401, 'This link needs its password'),
  uploadOnly: () => new AppError('link_upload_only', 403, 'This link only accepts uploads'),
  readOnly: () => new AppError('link_read_only', 403, 'This link does not accept uploads'),
  revoked: () => new AppError('link_revoked', 410, 'This link has been revoked'),
  expired: () => new AppError('link_expired', 410, 'This link has expired'),
  dropNeedsFolder: () => new AppError('link_drop_needs_folder', 409, 'A file drop needs a folder'),
};

export interface LinkOptions {
  mode: CloudPublicLink['mode'];
  password: string | null;
  expiresAt: Date | null;
}

export class PublicLinksService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly clubs: ClubsService,
    private readonly files: CloudFilesService,
  ) {}

  private repository(executor: Database = this.db) {
    return new LinksRepository(executor);
  }

  async create(club: Club, node: CloudNode, options: LinkOptions, actor: AuditActor) {
    if (node.deleted_at) throw Errors.notFound('File');
    if (options.mode === 'upload_only' && node.kind !== 'folder') throw LinkErrors.dropNeedsFolder();
    if (options.expiresAt && options.expiresAt.getTime() <= Date.now())
      throw Errors.badRequest('The expiry date lies in the past');
    const token = newToken();
    const passwordHash = options.password ? await hashPassword(options.password) : null;
    const link = await this.db.transaction().execute(async (trx) => {
      const created = await this.repository(trx).insert({
        clubId: club.id,
        nodeId: node.id,
        tokenHash: sha256(token),
        mode: options.mode,
        passwordHash,
        expiresAt: options.expiresAt,
        createdBy: actor.userId,
      });
      await this.audit.record(
        actor,
        {
          action: 'cloud.link_created',
          targetType: 'cloud_public_link',
          targetId: created.id,
          municipalityId: club.municipality_id,
          details: { clubId: club.id, nodeId: node.id, mode: options.mode, password: passwordHash !== null },
        },
        trx,
      );
      return created;
    });
    return { link, token };
  }

  listActive(club: Club) {
    return this.repository().listActive(club.id, new Date());
  }

  async get(club: Club, linkId: string): Promise<CloudPublicLink> {
    const link = await this.repository().find(club.id, linkId);
    if (!link || link.revoked_at) throw Errors.notFound('Link');
    return link;
  }

  async revoke(club: Club, link: CloudPublicLink, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).revoke(club.id, link.id, actor.userId);
      await this.audit.record(
        actor,
        {
          action: 'cloud.link_revoked',
          targetType: 'cloud_public_link',
          targetId: link.id,
          municipalityId: club.municipality_id,
          details: { clubId: club.id, nodeId: link.node_id },
        },
        trx,
      );
    });
  }

  /**
   * The live link behind a token with its club and node. Unknown links are 404; revoked and expired
   * ones 410 with their own codes, so whoever holds the token learns why it stopped working.
   */
  async open(token: string) {
    const link = await this.repository().byTokenHash(sha256(token));
    if (!link) throw Errors.notFound('Link');
    if (link.revoked_at) throw LinkErrors.revoked();
    if (link.expires_at && link.expires_at.getTime() <= Date.now()) throw LinkErrors.expired();
    const club = await this.clubs.get(link.club_id);
    if (club.status !== 'active') throw Errors.notFound('Link');
    const node = await this.files.get(club, link.node_id);
    if (node.deleted_at) throw Errors.notFound('Link');
    return { link, club, node };
  }

  /** Checks the password and returns the grant that stands for it on later requests. */
  async unlock(token: string, link: CloudPublicLink, password: string): Promise<string> {
    if (!link.password_hash) return '';
    if (!(await verifyPassword(link.password_hash, password))) throw LinkErrors.passwordRequired();
    return grantOf(token, link.password_hash);
  }

  assertGranted(token: string, link: CloudPublicLink, grant: string | undefined): void {
    if (!link.password_hash) return;
    if (!grant || !safeEqual(grant, grantOf(token, link.password_hash))) throw LinkErrors.passwordRequired();
  }

  /** A node inside the shared subtree (the shared node itself when nodeId is missing). */
  async within(club: Club, shared: CloudNode, nodeId: string | undefined): Promise<CloudNode> {
    if (!nodeId || nodeId === shared.id) return shared;
    const node = await this.files.get(club, nodeId);
    const path = await this.files.pathIdsOf(club, node);
    if (node.deleted_at || !path.includes(shared.id)) throw Errors.notFound('File');
    return node;
  }

  /** A file dropped into a shared folder; never overwrites (a clash gets a numbered name). */
  async drop(club: Club, folder: CloudNode, name: string, content: Readable, size: number | undefined) {
    let free = name;
    for (let n = 2; await this.files.child(club, folder, free); n++) free = numbered(name, n);
    if (folder.kind !== 'folder') throw FileErrors.notFolder();
    return this.files.writeFile(club, folder, free, content, { size, userId: null });
  }
}

const grantOf = (token: string, passwordHash: string) =>
  createHash('sha256').update(`${token}\n${passwordHash}`).digest('base64url');
