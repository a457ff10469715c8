// Who may do what with the device registry, integrations and the quarantine.
import { STAFF_ROLES } from '@srp/contracts';
import { hasRoleIn, hasScope, type Principal } from '../../core/auth/principal.js';

export const devicePolicy = {
  /** Staff of the municipality see its devices, their health and the quarantine. */
  mayViewDevices: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, STAFF_ROLES),
  /** Municipal admins register, change and disable devices and keep custom decoders. */
  mayManageDevices: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, ['municipal_admin']),
  /** Integrations carry secrets for the network servers: admins only. */
  mayManageIntegrations: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, ['municipal_admin']),
  /** The building yard looks after the sensors in the field and may sort out quarantined uplinks. */
  mayResolveQuarantine: (p: Principal, municipalityId: string) =>
    hasScope(p, 'api') && hasRoleIn(p, municipalityId, ['municipal_admin', 'building_yard']),
};
