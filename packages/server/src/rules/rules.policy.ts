// Who may do what with rules, alerts and warnings. Staff of a municipality (substitutes included) see its
// rules and alerts; admins write rules and publish warnings; the people who act (admins, caseworkers,
// the building yard) acknowledge, comment and resolve alerts.
import { STAFF_ROLES, type Role } from '@srp/contracts';
import { hasRoleIn, municipalitiesWithRole, type Principal } from '../core/auth/principal.js';

const ADMINS: readonly Role[] = ['municipal_admin'];
const RESPONDERS: readonly Role[] = ['municipal_admin', 'caseworker', 'building_yard'];

export const rulesPolicy = {
  alertMunicipalities: (p: Principal) => municipalitiesWithRole(p, STAFF_ROLES),
  mayView: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, STAFF_ROLES),
  mayManageRules: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ADMINS),
  mayRespond: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, RESPONDERS),
  mayPublishWarnings: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ADMINS),
};
