// Who may see people and hand out roles. The admins of a municipality decide who may act for it, including
// staff from other member municipalities (substitution); the platform admin role is only given by the CLI.
import type { Role } from '@srp/contracts';
import { hasRoleIn, isPlatformAdmin, type Principal } from '../auth/principal.js';

export const identityPolicy = {
  mayViewPeople: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayCreatePerson: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayGrant: (p: Principal, municipalityId: string, role: Role) =>
    role !== 'platform_admin' &&
    hasRoleIn(p, municipalityId, ['municipal_admin']) &&
    (role !== 'municipal_admin' || p.scopes === null),
  mayRevoke: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayReadAudit: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, ['municipal_admin']),
  mayReadPlatformAudit: (p: Principal) => isPlatformAdmin(p),
};
