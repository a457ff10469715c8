// Who may do what with clubs. Municipal staff of the club's seat municipality (and those standing in
// for it) decide applications, set quotas and answer support requests; they do not read club files.
// Inside a club, admins manage everything, members of a group with the right may manage members, and
// file rights come from the club default, the member's groups and shares.
import type { Role } from '@srp/contracts';
import { hasRoleIn, municipalitiesWithRole, type Principal } from '../core/auth/principal.js';
import type { Club, ClubMemberRole, FileAccess } from '../core/db/schema.js';
import type { MembershipGroup } from './clubs.repository.js';

/** Roles of the municipal team that supports clubs. */
export const CLUB_SUPPORT_ROLES: readonly Role[] = ['municipal_admin', 'caseworker'];
/** Roles that decide applications, set quotas and delete clubs. */
export const CLUB_STEWARD_ROLES: readonly Role[] = ['municipal_admin'];

export interface Membership {
  role: ClubMemberRole | null;
  groups: MembershipGroup[];
}

const ACCESS_ORDER: FileAccess[] = ['none', 'read', 'write'];
export const maxAccess = (...levels: FileAccess[]): FileAccess =>
  levels.reduce((a, b) => (ACCESS_ORDER.indexOf(b) > ACCESS_ORDER.indexOf(a) ? b : a), 'none');

export const clubsPolicy = {
  supportedMunicipalities: (p: Principal) => municipalitiesWithRole(p, CLUB_SUPPORT_ROLES),
  maySupport: (p: Principal, club: Club) => hasRoleIn(p, club.municipality_id, CLUB_SUPPORT_ROLES),
  mayDecide: (p: Principal, club: Club) => hasRoleIn(p, club.municipality_id, CLUB_STEWARD_ROLES),
  maySetQuota: (p: Principal, club: Club) => hasRoleIn(p, club.municipality_id, CLUB_STEWARD_ROLES),
  /** Deletion is for the club's own admins and the municipality's admins. */
  mayDelete: (p: Principal, club: Club, m: Membership) =>
    m.role === 'admin' || hasRoleIn(p, club.municipality_id, CLUB_STEWARD_ROLES),
  mayView: (p: Principal, club: Club, m: Membership) =>
    m.role !== null || hasRoleIn(p, club.municipality_id, CLUB_SUPPORT_ROLES),
  mayAdminister: (_p: Principal, club: Club, m: Membership) => club.status === 'active' && m.role === 'admin',
  mayManageMembers: (_p: Principal, club: Club, m: Membership) =>
    club.status === 'active' && (m.role === 'admin' || m.groups.some((g) => g.mayManageMembers)),
  /** Exports hold everything of the club: its admins and the municipality's admins. */
  mayExport: (p: Principal, club: Club, m: Membership) =>
    club.status === 'active' &&
    (m.role === 'admin' || hasRoleIn(p, club.municipality_id, CLUB_STEWARD_ROLES)),
  /** Removing a club's data is confirmed by the municipality; its admins ask with a deletion request. */
  mayConfirmDeletion: (p: Principal, club: Club) =>
    club.status !== 'deleting' && hasRoleIn(p, club.municipality_id, CLUB_STEWARD_ROLES),
  mayRequestDeletion: (_p: Principal, club: Club, m: Membership) =>
    club.status === 'active' && m.role === 'admin',
  /** The state of a deletion request: the club's admins and the municipal team. */
  maySeeDeletionRequest: (p: Principal, club: Club, m: Membership) =>
    m.role === 'admin' || hasRoleIn(p, club.municipality_id, CLUB_SUPPORT_ROLES),
  /** Whose pending deletion requests a person decides (their municipalities as municipal admin). */
  deletionDeciderIn: (p: Principal) => municipalitiesWithRole(p, CLUB_STEWARD_ROLES),
  mayOpenSupportRequest: (_p: Principal, _club: Club, m: Membership) => m.role !== null,
  /** The club-wide file right of a member (shares on single folders may add to it). */
  fileAccess: (club: Club, m: Membership): FileAccess => {
    if (club.status !== 'active' || m.role === null) return 'none';
    if (m.role === 'admin') return 'write';
    return maxAccess(club.default_member_access, ...m.groups.map((g) => g.fileAccess));
  },
};
