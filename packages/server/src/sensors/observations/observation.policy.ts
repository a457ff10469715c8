// Who may read and write sensor time series. Reading: anybody for published Datastreams, staff of the
// owning municipality for all of its Datastreams. Writing: staff of the municipality whose credential
// carries the scope sensors:write (interactive sessions have every scope).
import { STAFF_ROLES } from '@srp/contracts';
import { hasRoleIn, hasScope, municipalitiesWithRole, type Principal } from '../../core/auth/principal.js';
import type { Visibility } from './timeseries.repository.js';

export const observationPolicy = {
  /** Unpublished Datastreams the principal may read; anonymous readers see published ones only. */
  readVisibility(principal: Principal | null): Visibility {
    if (!principal) return { municipalities: [] };
    const own = municipalitiesWithRole(principal, STAFF_ROLES);
    return own === 'all' ? 'all' : { municipalities: own };
  },

  mayRead(principal: Principal | null, municipalityId: string, published: boolean): boolean {
    if (published) return true;
    return principal !== null && hasRoleIn(principal, municipalityId, STAFF_ROLES);
  },

  mayWrite(principal: Principal, municipalityId: string): boolean {
    return hasScope(principal, 'sensors:write') && hasRoleIn(principal, municipalityId, STAFF_ROLES);
  },

  /** The municipality a bulk upload is for when it does not name one: the only one the principal writes for. */
  defaultWriteMunicipality(principal: Principal): string | null {
    if (principal.credentialMunicipalityId) return principal.credentialMunicipalityId;
    const own = municipalitiesWithRole(principal, STAFF_ROLES);
    return own !== 'all' && own.length === 1 ? own[0]! : null;
  },
};
