// SQL for meeting rooms. Every read and write names the club's municipality (the tenant) and the club;
// only the guest-link lookup goes by room id and token hash, because a guest knows nothing else.
import type { Database } from '../../core/db/database.js';
import type { MeetingRoom } from '../../core/db/schema.js';

export interface NewMeetingRoom {
  municipalityId: string;
  clubId: string;
  name: string;
  waitingRoom: boolean;
  createdBy: string | null;
}

export class MeetingsRepository {
  constructor(private readonly db: Database) {}

  list(municipalityId: string, clubId: string): Promise<MeetingRoom[]> {
    return this.db
      .selectFrom('cloud_meeting_rooms')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('club_id', '=', clubId)
      .orderBy('name')
      .orderBy('created_at')
      .execute();
  }

  find(municipalityId: string, clubId: string, roomId: string): Promise<MeetingRoom | undefined> {
    return this.db
      .selectFrom('cloud_meeting_rooms')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('club_id', '=', clubId)
      .where('id', '=', roomId)
      .executeTakeFirst();
  }

  /** A room by id alone: the entry point of the signalling socket, which then checks membership. */
  findById(roomId: string): Promise<MeetingRoom | undefined> {
    return this.db.selectFrom('cloud_meeting_rooms').selectAll().where('id', '=', roomId).executeTakeFirst();
  }

  findForGuest(roomId: string, tokenHash: string): Promise<MeetingRoom | undefined> {
    return this.db
      .selectFrom('cloud_meeting_rooms')
      .selectAll()
      .where('id', '=', roomId)
      .where('guest_token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  create(room: NewMeetingRoom): Promise<MeetingRoom> {
    return this.db
      .insertInto('cloud_meeting_rooms')
      .values({
        municipality_id: room.municipalityId,
        club_id: room.clubId,
        name: room.name,
        waiting_room: room.waitingRoom,
        created_by: room.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async setGuestTokenHash(municipalityId: string, roomId: string, tokenHash: string | null): Promise<void> {
    await this.db
      .updateTable('cloud_meeting_rooms')
      .set({ guest_token_hash: tokenHash })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', roomId)
      .execute();
  }

  async delete(municipalityId: string, roomId: string): Promise<void> {
    await this.db
      .deleteFrom('cloud_meeting_rooms')
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', roomId)
      .execute();
  }
}
