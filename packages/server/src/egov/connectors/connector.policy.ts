// Who may do what with connectors. Destinations (where a service's submissions go, with secrets) are set
// up by municipal admins and the shared process designers; caseworkers see the deliveries of the
// municipalities they work for (substitutions included) and may send a failed one again.
import type { Role } from '@srp/contracts';
import { hasRoleIn, municipalitiesWithRole, type Principal } from '../../core/auth/principal.js';

const CONFIGURERS: readonly Role[] = ['municipal_admin', 'process_designer'];
const OPERATORS: readonly Role[] = ['municipal_admin', 'process_designer', 'caseworker'];

export const connectorPolicy = {
  mayConfigure: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, CONFIGURERS),
  deliveryMunicipalities: (p: Principal) => municipalitiesWithRole(p, OPERATORS),
  mayOperate: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, OPERATORS),
};
