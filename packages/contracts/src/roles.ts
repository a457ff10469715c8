// Roles and the navigation each role sees. Shared by the server (what it allows) and the web app (what
// it shows), so the two cannot drift apart.

export const ROLES = [
  'platform_admin',
  'municipal_admin',
  'process_designer',
  'caseworker',
  'building_yard',
  'club_admin',
  'club_member',
  'citizen',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles of municipal staff: they see the back office (Verwaltung). */
export const STAFF_ROLES: readonly Role[] = [
  'platform_admin',
  'municipal_admin',
  'process_designer',
  'caseworker',
  'building_yard',
];
export const CLUB_ROLES: readonly Role[] = ['club_admin', 'club_member'];

export const AREAS = ['dashboard', 'services', 'backoffice', 'clubcloud'] as const;
export type Area = (typeof AREAS)[number];

/**
 * The four areas of the platform and who sees them in the navigation. The public dashboard and the
 * citizen services are for everybody (services also work without an account); the back office is for
 * staff; the club cloud for club members and the municipal staff who support clubs.
 */
export function navigationFor(roles: readonly Role[]): Area[] {
  const areas: Area[] = ['dashboard', 'services'];
  const isStaff = roles.some((r) => STAFF_ROLES.includes(r));
  if (isStaff) areas.push('backoffice');
  if (
    roles.some((r) => CLUB_ROLES.includes(r)) ||
    roles.includes('platform_admin') ||
    roles.includes('municipal_admin')
  ) {
    areas.push('clubcloud');
  }
  return areas;
}
