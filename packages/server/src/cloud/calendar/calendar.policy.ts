// Who may do what with club calendars. Rights come from the club's groups, the same way as for files:
// admins write, members get the most of the club default and their groups' rights. Creating, renaming
// and deleting whole calendars is for members with write access; marking events public (for the
// municipality's public calendar) too, since it is the club's own decision what it shows.
import type { Club, FileAccess } from '../../core/db/schema.js';
import { clubsPolicy, type Membership } from '../clubs.policy.js';

export const calendarPolicy = {
  access: (club: Club, m: Membership): FileAccess => clubsPolicy.fileAccess(club, m),
  mayRead: (club: Club, m: Membership) => clubsPolicy.fileAccess(club, m) !== 'none',
  mayWrite: (club: Club, m: Membership) => clubsPolicy.fileAccess(club, m) === 'write',
  mayManageCalendars: (club: Club, m: Membership) => clubsPolicy.fileAccess(club, m) === 'write',
  mayPublish: (club: Club, m: Membership) => clubsPolicy.fileAccess(club, m) === 'write',
};
