// Who works on tasks. Every staff member of a municipality, substitutes from other municipalities
// included, sees its inbox; the people who do the work (building yard, caseworkers) and admins act on it.
import { STAFF_ROLES, type Role } from '@srp/contracts';
import { hasRoleIn, municipalitiesWithRole, type Principal } from '../auth/principal.js';

const DOERS: readonly Role[] = ['municipal_admin', 'caseworker', 'building_yard'];

export const workPolicy = {
  inboxMunicipalities: (p: Principal) => municipalitiesWithRole(p, STAFF_ROLES),
  mayView: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, STAFF_ROLES),
  mayCreate: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, DOERS),
  mayWork: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, DOERS),
  /** Handing a task to somebody else is for admins; everybody may take a task themselves. */
  mayAssignOthers: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, ['municipal_admin']),
};
