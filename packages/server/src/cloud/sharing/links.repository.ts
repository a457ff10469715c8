// SQL for public links to club files and folders. Every query is scoped by the club; a link is found by
// the SHA-256 of its token only (the token itself is never stored).
import type { Database } from '../../core/db/database.js';
import type { CloudPublicLink } from '../../core/db/schema.js';

export interface NewPublicLink {
  clubId: string;
  nodeId: string;
  tokenHash: string;
  mode: CloudPublicLink['mode'];
  passwordHash: string | null;
  expiresAt: Date | null;
  createdBy: string | null;
}

export class LinksRepository {
  constructor(private readonly db: Database) {}

  insert(link: NewPublicLink): Promise<CloudPublicLink> {
    return this.db
      .insertInto('cloud_public_links')
      .values({
        club_id: link.clubId,
        node_id: link.nodeId,
        token_hash: link.tokenHash,
        mode: link.mode,
        password_hash: link.passwordHash,
        expires_at: link.expiresAt,
        created_by: link.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** An unrevoked link by its token hash (expiry is the service's business). */
  /** Revoked links too, so their visitors can be told so. */
  byTokenHash(tokenHash: string): Promise<CloudPublicLink | undefined> {
    return this.db
      .selectFrom('cloud_public_links')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  find(clubId: string, id: string): Promise<CloudPublicLink | undefined> {
    return this.db
      .selectFrom('cloud_public_links')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Unrevoked, unexpired links of the club with the name of what they share, newest first. */
  listActive(clubId: string, now: Date) {
    return this.db
      .selectFrom('cloud_public_links as l')
      .innerJoin('cloud_nodes as n', 'n.id', 'l.node_id')
      .selectAll('l')
      .select(['n.name as node_name', 'n.kind as node_kind'])
      .where('l.club_id', '=', clubId)
      .where('l.revoked_at', 'is', null)
      .where('n.deleted_at', 'is', null)
      .where((eb) => eb.or([eb('l.expires_at', 'is', null), eb('l.expires_at', '>', now)]))
      .orderBy('l.created_at', 'desc')
      .execute();
  }

  async revoke(clubId: string, id: string, userId: string | null): Promise<void> {
    await this.db
      .updateTable('cloud_public_links')
      .set({ revoked_at: new Date(), revoked_by: userId })
      .where('club_id', '=', clubId)
      .where('id', '=', id)
      .execute();
  }
}
