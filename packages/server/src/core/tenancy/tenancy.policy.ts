// Who may do what with municipalities and their organisational units.
import { STAFF_ROLES } from '@srp/contracts';
import { hasRoleIn, isPlatformAdmin, type Principal } from '../auth/principal.js';

export const tenancyPolicy = {
  /** Platform admins set up new municipalities for the region. */
  mayCreateMunicipality: (p: Principal) => isPlatformAdmin(p),
  /** A municipality's own admins keep its profile (contact, legal links) up to date. */
  mayUpdateMunicipality: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, ['municipal_admin']),
  /** Staff of a municipality, including substitutes, see its internal structure. */
  mayViewOrgUnits: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, STAFF_ROLES),
  mayManageOrgUnits: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, ['municipal_admin']),
};
