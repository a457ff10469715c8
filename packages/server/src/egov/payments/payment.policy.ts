// Who may request and see payments: the people who handle cases in the municipality (substitutes
// included) and its admins. Citizens pay through their link, which needs no account.
import type { Role } from '@srp/contracts';
import { hasRoleIn, type Principal } from '../../core/auth/principal.js';

const CASE_HANDLERS: readonly Role[] = ['municipal_admin', 'caseworker'];

export const paymentPolicy = {
  mayRequest: (p: Principal, municipalityId: string) => hasRoleIn(p, municipalityId, CASE_HANDLERS),
  mayView: (p: Principal, municipalityId: string) =>
    hasRoleIn(p, municipalityId, [...CASE_HANDLERS, 'process_designer']),
};
