// Who may do what with online services. Caseworkers and admins of a municipality (substitutes from
// other municipalities included: their grant is a role in this municipality) handle its cases; process
// designers and platform admins shape the shared catalogue; municipal admins set their municipality's
// parameters. Citizens see only their own cases (or the one their resume link opens).
import {
  hasRoleIn,
  isPlatformAdmin,
  municipalitiesWithRole,
  type Principal,
} from '../core/auth/principal.js';
import type { Role } from '@srp/contracts';

const CASE_HANDLERS: readonly Role[] = ['municipal_admin', 'caseworker'];

export const egovPolicy = {
  caseMunicipalities: (p: Principal) => municipalitiesWithRole(p, CASE_HANDLERS),
  mayHandleCases: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, CASE_HANDLERS),
  /** Handing a case to a colleague is for admins; everybody who handles cases may claim one. */
  mayHandOver: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['municipal_admin']),
  designerMunicipalities: (p: Principal) => municipalitiesWithRole(p, ['process_designer']),
  mayDesign: (p: Principal, municipalityIdsOfRegion: readonly string[]) =>
    isPlatformAdmin(p) || municipalityIdsOfRegion.some((id) => hasRoleIn(p, id, ['process_designer'])),
  /** Designers run draft versions end to end (test mode) in a municipality of their region. */
  mayTestRun: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['process_designer']),
  mayConfigure: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayViewStatistics: (p: Principal) =>
    municipalitiesWithRole(p, ['municipal_admin', 'caseworker', 'process_designer']),
  ownsCase: (p: Principal | null, citizenUserId: string | null) =>
    p !== null && citizenUserId !== null && p.userId === citizenUserId,
};
