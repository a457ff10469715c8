// Who may do what with the dashboard: staff of a municipality see its tiles and internal sensor view;
// municipal admins create, change, publish and withdraw tiles and choose open-data licences.
import { STAFF_ROLES } from '@srp/contracts';
import { hasRoleIn, hasScope, type Principal } from '../core/auth/principal.js';

export const dashboardPolicy = {
  mayViewTiles: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, STAFF_ROLES),
  mayEditTiles: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayChooseLicences: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, ['municipal_admin']),
};
