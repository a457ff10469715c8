// Who may do what with meeting rooms: club admins create and delete rooms and hand out guest links;
// every member may join; the host (a club admin or whoever created the room) admits from the waiting
// room, locks, asks to mute and removes. Municipal staff support clubs but do not sit in their meetings.
import type { Club, MeetingRoom } from '../../core/db/schema.js';
import type { Membership } from '../clubs.policy.js';

export const meetingsPolicy = {
  mayList: (club: Club, m: Membership) => club.status === 'active' && m.role !== null,
  mayManageRooms: (club: Club, m: Membership) => club.status === 'active' && m.role === 'admin',
  mayJoin: (club: Club, m: Membership) => club.status === 'active' && m.role !== null,
  isHost: (room: MeetingRoom, userId: string, m: Membership) =>
    m.role === 'admin' || room.created_by === userId,
};
