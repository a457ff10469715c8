// Meeting rooms of a club: created and deleted by club admins, optionally opened to guests by a link
// with a random token (only its SHA-256 is stored). Writes and their audit entries share a transaction.
// The live part (who is in a room) is the signalling hub's (meetings.signalling.ts).
import type { Config } from '../../config.js';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import { newToken, sha256 } from '../../core/auth/tokens.js';
import type { Database } from '../../core/db/database.js';
import type { Club, MeetingRoom } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { iceServersFor, type IceServer } from './turn.js';
import { MeetingsRepository } from './meetings.repository.js';

/** The web page of a room; guests get `?gast=<token>` on it. */
export const MEETING_PAGE_PATH = '/treffen';

export class MeetingsService {
  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new MeetingsRepository(executor);
  }

  list(club: Club): Promise<MeetingRoom[]> {
    return this.repository().list(club.municipality_id, club.id);
  }

  async get(club: Club, roomId: string): Promise<MeetingRoom> {
    const room = await this.repository().find(club.municipality_id, club.id, roomId);
    if (!room) throw Errors.notFound('Meeting room');
    return room;
  }

  /** A room by id for the signalling socket; undefined when there is none. */
  byId(roomId: string): Promise<MeetingRoom | undefined> {
    return this.repository().findById(roomId);
  }

  forGuest(roomId: string, token: string): Promise<MeetingRoom | undefined> {
    return this.repository().findForGuest(roomId, sha256(token));
  }

  pageUrl(room: MeetingRoom): string {
    return `${this.config.PUBLIC_URL}${MEETING_PAGE_PATH}/${room.id}`;
  }

  async create(
    club: Club,
    input: { name: string; waitingRoom: boolean },
    actor: AuditActor,
  ): Promise<MeetingRoom> {
    return this.db.transaction().execute(async (trx) => {
      const room = await this.repository(trx).create({
        municipalityId: club.municipality_id,
        clubId: club.id,
        name: input.name,
        waitingRoom: input.waitingRoom,
        createdBy: actor.userId,
      });
      await this.audit.record(actor, this.event('meeting.room_created', room, { name: room.name }), trx);
      return room;
    });
  }

  async remove(room: MeetingRoom, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).delete(room.municipality_id, room.id);
      await this.audit.record(actor, this.event('meeting.room_deleted', room, { name: room.name }), trx);
    });
  }

  /** A new guest link; an earlier one stops working. The token is shown once. */
  async createGuestLink(room: MeetingRoom, actor: AuditActor): Promise<{ token: string; url: string }> {
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).setGuestTokenHash(room.municipality_id, room.id, sha256(token));
      await this.audit.record(actor, this.event('meeting.guest_link_created', room), trx);
    });
    return { token, url: `${this.pageUrl(room)}?gast=${token}` };
  }

  async revokeGuestLink(room: MeetingRoom, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).setGuestTokenHash(room.municipality_id, room.id, null);
      await this.audit.record(actor, this.event('meeting.guest_link_revoked', room), trx);
    });
  }

  /** STUN/TURN servers for one participant, TURN with credentials valid for TURN_CREDENTIAL_TTL_SECONDS. */
  iceServers(participant: string): IceServer[] {
    const urls = this.config.TURN_URLS.split(',')
      .map((url) => url.trim())
      .filter(Boolean);
    return iceServersFor(
      { urls, secret: this.config.TURN_SECRET, ttlSeconds: this.config.TURN_CREDENTIAL_TTL_SECONDS },
      participant,
    );
  }

  private event(action: string, room: MeetingRoom, details: Record<string, unknown> = {}) {
    return {
      action,
      targetType: 'meeting_room',
      targetId: room.id,
      municipalityId: room.municipality_id,
      details: { clubId: room.club_id, ...details },
    };
  }
}
