// Who may read and write sensor data. Staff of a municipality read and write its SensorThings entities;
// machines use an API key or app password with scope sensors:write (writing) or api/mqtt (reading),
// limited to the credential's municipality when it is. Everyone reads what is published.
import type { Role } from '@srp/contracts';
import { hasScope, municipalitiesWithRole, type Principal } from '../core/auth/principal.js';
import type { Viewer } from './entities/visibility.js';

export const SENSOR_STAFF_ROLES: readonly Role[] = [
  'municipal_admin',
  'process_designer',
  'building_yard',
  'caseworker',
];

/** What a principal (or the public, for null) reads. */
export function sensorViewer(principal: Principal | null): Viewer {
  if (!principal) return { municipalities: [] };
  const reads =
    hasScope(principal, 'api') || hasScope(principal, 'sensors:write') || hasScope(principal, 'mqtt');
  return { municipalities: reads ? municipalitiesWithRole(principal, SENSOR_STAFF_ROLES) : [] };
}

/** Municipalities where the principal may write sensor data. */
export function sensorWriteMunicipalities(principal: Principal): string[] | 'all' {
  if (!hasScope(principal, 'sensors:write') && !hasScope(principal, 'mqtt')) return [];
  return municipalitiesWithRole(principal, SENSOR_STAFF_ROLES);
}

export function mayWriteSensors(principal: Principal, municipalityId: string): boolean {
  const m = sensorWriteMunicipalities(principal);
  return m === 'all' || m.includes(municipalityId);
}
