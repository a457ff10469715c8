// Who is asking, resolved once per request by the auth plugin from a session cookie, an API key or HTTP
// Basic. Policies decide from this alone; nothing below the route reads headers or cookies.
import type { Role } from '@srp/contracts';
import { Errors } from '../errors.js';

export interface ActiveGrant {
  id: string;
  role: Role;
  municipalityId: string | null;
  municipalitySlug: string | null;
  municipalityName: string | null;
  orgUnitId: string | null;
}

export type AuthMethod = 'session' | 'api_key' | 'password' | 'app_password';

export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  locale: 'de' | 'en';
  homeMunicipalityId: string | null;
  grants: ActiveGrant[];
  method: AuthMethod;
  /** Scopes of an API key or app password; null for an interactive login (all the user may do). */
  scopes: readonly string[] | null;
  /** An API key may be limited to one municipality. */
  credentialMunicipalityId: string | null;
  csrfToken: string | null;
}

export const SCOPES = ['api', 'sensors:write', 'files', 'calendars', 'mqtt'] as const;
export type Scope = (typeof SCOPES)[number];

export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw Errors.unauthenticated();
  return principal;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes === null || principal.scopes.includes(scope);
}

export function isPlatformAdmin(principal: Principal): boolean {
  return (
    principal.credentialMunicipalityId === null && principal.grants.some((g) => g.role === 'platform_admin')
  );
}

/** Has one of `roles` in the municipality; platform admins have every role everywhere. */
export function hasRoleIn(principal: Principal, municipalityId: string, roles: readonly Role[]): boolean {
  if (principal.credentialMunicipalityId !== null && principal.credentialMunicipalityId !== municipalityId)
    return false;
  return principal.grants.some(
    (g) => g.role === 'platform_admin' || (g.municipalityId === municipalityId && roles.includes(g.role)),
  );
}

/** Municipalities where the principal has one of `roles`; 'all' for platform admins. */
export function municipalitiesWithRole(principal: Principal, roles: readonly Role[]): string[] | 'all' {
  if (isPlatformAdmin(principal)) return 'all';
  const ids = principal.grants
    .filter((g) => g.municipalityId !== null && roles.includes(g.role))
    .map((g) => g.municipalityId!);
  const unique = [...new Set(ids)];
  return principal.credentialMunicipalityId === null
    ? unique
    : unique.filter((id) => id === principal.credentialMunicipalityId);
}
