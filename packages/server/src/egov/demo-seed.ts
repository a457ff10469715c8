// Demo data for online services: the shipped services in the demo region, each municipality's office
// and team, a fee override in Neuhof, and Flieden's Bürgerbüro as the team that receives its cases.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';

const OFFICES: Record<string, { office: string; email: string; phone: string }> = {
  flieden: { office: 'Bürgerbüro Flieden', email: 'buergerbuero@flieden.example', phone: '+49 6655 0000-20' },
  kalbach: { office: 'Bürgerbüro Kalbach', email: 'buergerbuero@kalbach.example', phone: '+49 6655 0001-20' },
  neuhof: { office: 'Bürgerbüro Neuhof', email: 'buergerbuero@neuhof.example', phone: '+49 6655 0002-20' },
};

export async function seedDemoEgov(ctx: AppContext): Promise<void> {
  const actor = systemActor('demo seed');
  const regions = await ctx.tenancy.publicRegions();
  for (const region of regions) {
    const created = await ctx.egov.catalogue.ensureShippedServices(region.id, actor);
    if (created === 0) continue;
    const services = await ctx.egov.catalogue.listServices([region.id]);
    for (const municipality of region.municipalities) {
      const office = OFFICES[municipality.slug];
      if (!office) continue;
      const team = (await ctx.tenancy.listOrgUnits(municipality.id)).find((u) => u.name === 'Bürgerbüro');
      for (const service of services) {
        await ctx.egov.catalogue.setParams(
          municipality.id,
          service.id,
          {
            enabled: true,
            responsible_office: office.office,
            contact_email: office.email,
            contact_phone: office.phone,
            // Neuhof charges less for further certificates (a municipal fee statute differs).
            fee_overrides:
              municipality.slug === 'neuhof' && service.slug === 'personenstandsurkunde'
                ? { weitere: 500 }
                : {},
            team_id: team?.id ?? null,
          },
          actor,
        );
      }
    }
  }
}
