// WebDAV locks, held on paths inside a club ('' is the club's root, '/a/b' below it).
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { CloudLock } from '../../core/db/schema.js';

export class LocksRepository {
  constructor(private readonly db: Database) {}

  /** Live locks on the path, on its ancestors, and (with descendants) below it. */
  related(clubId: string, path: string, withDescendants: boolean): Promise<CloudLock[]> {
    return this.db
      .selectFrom('cloud_locks')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('expires_at', '>', new Date())
      .where((eb) =>
        eb.or([
          eb('path', '=', path),
          sql<boolean>`starts_with(${path}, path || '/')`,
          ...(withDescendants ? [sql<boolean>`starts_with(path, ${path + '/'})`] : []),
        ]),
      )
      .execute();
  }

  find(clubId: string, token: string): Promise<CloudLock | undefined> {
    return this.db
      .selectFrom('cloud_locks')
      .selectAll()
      .where('club_id', '=', clubId)
      .where('token', '=', token)
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
  }

  insert(lock: Omit<CloudLock, 'created_at'>): Promise<CloudLock> {
    return this.db.insertInto('cloud_locks').values(lock).returningAll().executeTakeFirstOrThrow();
  }

  refresh(token: string, timeoutSeconds: number): Promise<CloudLock> {
    return this.db
      .updateTable('cloud_locks')
      .set({ timeout_seconds: timeoutSeconds, expires_at: new Date(Date.now() + timeoutSeconds * 1000) })
      .where('token', '=', token)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async delete(token: string): Promise<void> {
    await this.db.deleteFrom('cloud_locks').where('token', '=', token).execute();
  }

  /** Removes the locks of a path and everything below it (after DELETE or MOVE), and expired ones. */
  async deleteUnder(clubId: string, path: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_locks')
      .where('club_id', '=', clubId)
      .where((eb) =>
        eb.or([
          eb('path', '=', path),
          sql<boolean>`starts_with(path, ${path + '/'})`,
          eb('expires_at', '<=', new Date()),
        ]),
      )
      .execute();
  }
}
