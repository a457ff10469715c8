// Who may do what in participation. Staff of a municipality edit its news and pages and work on its
// reports; region-wide news and project feedback belong to the admins of the region's municipalities.
import { STAFF_ROLES, type Role } from '@srp/contracts';
import {
  hasRoleIn,
  isPlatformAdmin,
  municipalitiesWithRole,
  type Principal,
} from '../core/auth/principal.js';

const EDITORS: readonly Role[] = ['municipal_admin', 'caseworker', 'process_designer'];
const REPORT_WORKERS: readonly Role[] = ['municipal_admin', 'caseworker', 'building_yard'];

export const participationPolicy = {
  mayEditPosts: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, EDITORS),
  /** Region-wide posts and project feedback: an admin of one of the region's municipalities. */
  mayEditRegion: (p: Principal, regionMunicipalityIds: readonly string[]) =>
    isPlatformAdmin(p) || regionMunicipalityIds.some((id) => hasRoleIn(p, id, ['municipal_admin'])),
  mayViewReports: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, STAFF_ROLES),
  reportMunicipalities: (p: Principal) => municipalitiesWithRole(p, STAFF_ROLES),
  mayTriageReports: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, REPORT_WORKERS),
  mayManageCategories: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, ['municipal_admin']),
};
