// Resolves the region or municipality a public request names into the municipalities it covers.
import type { AppContext } from '../context.js';
import { isPlatformAdmin, municipalitiesWithRole, type Principal } from '../core/auth/principal.js';
import { Errors } from '../core/errors.js';

export interface Scope {
  regionId: string | undefined;
  municipalityIds: string[];
}

export async function scopeOf(
  ctx: AppContext,
  query: { region?: string | undefined; municipality?: string | undefined },
): Promise<Scope> {
  const regions = await ctx.tenancy.publicRegions();
  if (query.municipality) {
    const region = regions.find((r) =>
      r.municipalities.some((m) => m.id === query.municipality || m.slug === query.municipality),
    );
    const municipality = region?.municipalities.find(
      (m) => m.id === query.municipality || m.slug === query.municipality,
    );
    if (
      !region ||
      !municipality ||
      (query.region && query.region !== region.id && query.region !== region.slug)
    )
      throw Errors.notFound('Municipality');
    return { regionId: region.id, municipalityIds: [municipality.id] };
  }
  if (query.region) {
    const region = regions.find((r) => r.id === query.region || r.slug === query.region);
    if (!region) throw Errors.notFound('Region');
    return { regionId: region.id, municipalityIds: region.municipalities.map((m) => m.id) };
  }
  return { regionId: undefined, municipalityIds: regions.flatMap((r) => r.municipalities.map((m) => m.id)) };
}

/** The region of a municipality and all municipalities of that region. */
export async function regionOfMunicipality(ctx: AppContext, municipalityId: string) {
  const regions = await ctx.tenancy.publicRegions();
  const region = regions.find((r) => r.municipalities.some((m) => m.id === municipalityId));
  if (!region) throw Errors.notFound('Municipality');
  return { regionId: region.id, municipalityIds: region.municipalities.map((m) => m.id) };
}

export async function regionById(ctx: AppContext, regionId: string) {
  const region = (await ctx.tenancy.publicRegions()).find((r) => r.id === regionId);
  if (!region) throw Errors.notFound('Region');
  return { regionId: region.id, municipalityIds: region.municipalities.map((m) => m.id) };
}

/** Regions in which the principal is an admin of at least one municipality ('all' for platform admins). */
export async function adminRegionIds(ctx: AppContext, principal: Principal): Promise<string[] | 'all'> {
  if (isPlatformAdmin(principal)) return 'all';
  const admins = municipalitiesWithRole(principal, ['municipal_admin']);
  const regions = await ctx.tenancy.publicRegions();
  return regions
    .filter((r) => admins === 'all' || r.municipalities.some((m) => admins.includes(m.id)))
    .map((r) => r.id);
}
