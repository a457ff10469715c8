// The first step of every club route: find the club, the caller's membership, and hide the club from
// anyone who may not see it.
import type { Principal } from '../core/auth/principal.js';
import { Errors } from '../core/errors.js';
import { clubsPolicy } from './clubs.policy.js';
import type { ClubsService } from './clubs.service.js';

/** A club the principal may see (member or supporting staff); to everyone else it does not exist (404). */
export async function visibleClub(clubs: ClubsService, principal: Principal, clubId: string) {
  const club = await clubs.get(clubId);
  const membership = await clubs.membership(club.id, principal.userId);
  if (!clubsPolicy.mayView(principal, club, membership)) throw Errors.notFound('Club');
  return { club, membership };
}
