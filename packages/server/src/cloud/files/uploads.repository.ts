// Rows of resumable (tus) uploads: owner, age and the PATCH lock. The lock is a conditional update of
// the row, so it holds across instances on PostgreSQL (and in PGlite) without a held connection.
import { sql } from 'kysely';
import type { Database } from '../../core/db/database.js';

export class UploadsRepository {
  constructor(private readonly db: Database) {}

  async insert(id: string, clubId: string, userId: string): Promise<void> {
    await this.db
      .insertInto('cloud_uploads')
      .values({ id, club_id: clubId, user_id: userId })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /**
   * Takes the upload's lock for a while unless someone else holds it; an upload without a row (begun
   * before rows existed) gets one. False when the lock is taken.
   */
  async lock(id: string, clubId: string, userId: string, token: string, seconds: number): Promise<boolean> {
    const until = sql<Date>`now() + make_interval(secs => ${seconds})`;
    const result = await this.db
      .insertInto('cloud_uploads')
      .values({ id, club_id: clubId, user_id: userId, lock_token: token, locked_until: until })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ lock_token: token, locked_until: until })
          .where((eb) =>
            eb.or([
              eb('cloud_uploads.locked_until', 'is', null),
              eb('cloud_uploads.locked_until', '<', sql<Date>`now()`),
            ]),
          ),
      )
      .returning('id')
      .executeTakeFirst();
    return result !== undefined;
  }

  /** Takes the lock of an existing upload that nobody holds (the clean-up); false otherwise. */
  async claim(id: string, clubId: string, token: string, seconds: number): Promise<boolean> {
    const result = await this.db
      .updateTable('cloud_uploads')
      .set({ lock_token: token, locked_until: sql<Date>`now() + make_interval(secs => ${seconds})` })
      .where('id', '=', id)
      .where('club_id', '=', clubId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Extends a held lock (a long PATCH); false when it was lost. */
  async renew(id: string, token: string, seconds: number): Promise<boolean> {
    const result = await this.db
      .updateTable('cloud_uploads')
      .set({ locked_until: sql<Date>`now() + make_interval(secs => ${seconds})` })
      .where('id', '=', id)
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async unlock(id: string, token: string): Promise<void> {
    await this.db
      .updateTable('cloud_uploads')
      .set({ lock_token: null, locked_until: null })
      .where('id', '=', id)
      .where('lock_token', '=', token)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('cloud_uploads').where('id', '=', id).execute();
  }

  /** Uploads begun before the time that nobody is writing into right now (oldest first). */
  abandoned(before: Date, limit: number): Promise<{ id: string; club_id: string }[]> {
    return this.db
      .selectFrom('cloud_uploads')
      .select(['id', 'club_id'])
      .where('created_at', '<', before)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }
}
