import type { RoleAssignment, SessionInfo } from '@srp/contracts';
import type { ActiveGrant, Principal } from './principal.js';

export function presentRoles(grants: ActiveGrant[], homeMunicipalityId: string | null): RoleAssignment[] {
  return grants.map((g) => ({
    role: g.role,
    municipality: g.municipalityId
      ? { id: g.municipalityId, slug: g.municipalitySlug!, name: g.municipalityName! }
      : null,
    substitution: g.municipalityId !== null && g.municipalityId !== homeMunicipalityId,
  }));
}

export function presentSession(
  principal: Principal | null,
  home: { id: string; slug: string; name: string } | null,
): SessionInfo {
  if (!principal) return { user: null, roles: [], csrfToken: null };
  return {
    user: {
      id: principal.userId,
      email: principal.email,
      displayName: principal.displayName,
      locale: principal.locale,
      homeMunicipality: home,
    },
    roles: presentRoles(principal.grants, principal.homeMunicipalityId),
    csrfToken: principal.csrfToken,
  };
}
