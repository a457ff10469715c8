// Demo data: a living region for a first start, for trying the platform and for the browser tests.
// Every demo account shares one documented password; never enable DEMO_SEED in production.
// The municipality keys (AGS) follow the real district prefixes but are illustrative, not official.
import type { Role } from '@srp/contracts';
import type { AppContext } from '../../context.js';
import { systemActor } from '../audit/audit.service.js';
import type { Municipality, OrgUnitKind } from '../db/schema.js';
import { TenancyRepository } from '../tenancy/tenancy.repository.js';
import { seedDemoSensors } from '../../sensors/simulator/simulator.js';
import { seedDemoRules } from '../../rules/demo-seed.js';
import { seedDemoDashboards } from '../../dashboard/demo-seed.js';
import { seedDemoClubs } from '../../cloud/demo-seed.js';
import { seedDemoParticipation } from '../../participation/demo-seed.js';
import { seedDemoEgov } from '../../egov/demo-seed.js';

export const DEMO_PASSWORD = 'Suedkreis-Demo-2026';

interface DemoMunicipality {
  slug: string;
  name: string;
  ags: string;
  address: string;
  phone: string;
  email: string;
  website: string;
}

interface DemoRegion {
  slug: string;
  name: string;
  description: string;
  municipalities: DemoMunicipality[];
}

export const SUEDKREIS: DemoRegion = {
  slug: 'suedkreis',
  name: 'Südkreis',
  description:
    'Flieden, Kalbach und Neuhof gestalten gemeinsam ihre digitale Zukunft – gefördert durch „Starke Heimat Hessen“.',
  municipalities: [
    {
      slug: 'flieden',
      name: 'Flieden',
      ags: '06631008',
      address: 'Marktplatz 1, 36103 Flieden',
      phone: '+49 6655 0000-0',
      email: 'rathaus@flieden.example',
      website: 'https://www.flieden.de',
    },
    {
      slug: 'kalbach',
      name: 'Kalbach',
      ags: '06631012',
      address: 'Rathausstraße 1, 36148 Kalbach',
      phone: '+49 6655 0001-0',
      email: 'rathaus@kalbach.example',
      website: 'https://www.kalbach.de',
    },
    {
      slug: 'neuhof',
      name: 'Neuhof',
      ags: '06631018',
      address: 'Hanauer Straße 1, 36119 Neuhof',
      phone: '+49 6655 0002-0',
      email: 'rathaus@neuhof.example',
      website: 'https://www.neuhof.de',
    },
  ],
};

export const KINZIGTAL: DemoRegion = {
  slug: 'kinzigtal-spessart',
  name: 'Kinzigtal-Spessart',
  description: 'Sechs Kommunen im Main-Kinzig-Kreis teilen sich eine Plattform.',
  municipalities: [
    ['waechtersbach', 'Wächtersbach', '06435030', '63607 Wächtersbach'],
    ['bad-soden-salmuenster', 'Bad Soden-Salmünster', '06435003', '63628 Bad Soden-Salmünster'],
    ['bad-orb', 'Bad Orb', '06435002', '63619 Bad Orb'],
    ['birstein', 'Birstein', '06435005', '63633 Birstein'],
    ['sinntal', 'Sinntal', '06435025', '36391 Sinntal'],
    ['steinau', 'Steinau an der Straße', '06435026', '36396 Steinau an der Straße'],
  ].map(([slug, name, ags, place]) => ({
    slug: slug!,
    name: name!,
    ags: ags!,
    address: `Rathaus, ${place}`,
    phone: '+49 6050 0000-0',
    email: `rathaus@${slug}.example`,
    website: `https://www.${slug}.example`,
  })),
};

interface DemoPerson {
  email: string;
  name: string;
  home: string | null;
  roles: { role: Role; in: string | null; reason?: string }[];
}

/** The demo accounts, one per role; README.md lists them. */
export const DEMO_PEOPLE: DemoPerson[] = [
  {
    email: 'plattform@suedkreis.example',
    name: 'Petra Plattform',
    home: 'flieden',
    roles: [{ role: 'platform_admin', in: null }],
  },
  {
    email: 'admin@flieden.example',
    name: 'Andreas Admin',
    home: 'flieden',
    roles: [{ role: 'municipal_admin', in: 'flieden' }],
  },
  {
    email: 'prozesse@suedkreis.example',
    name: 'Paula Prozess',
    home: 'flieden',
    roles: [
      { role: 'process_designer', in: 'flieden' },
      { role: 'process_designer', in: 'kalbach', reason: 'Gemeinsames eGovernment-Team des Südkreises' },
      { role: 'process_designer', in: 'neuhof', reason: 'Gemeinsames eGovernment-Team des Südkreises' },
    ],
  },
  {
    email: 'sachbearbeitung@kalbach.example',
    name: 'Sven Sachbearbeiter',
    home: 'kalbach',
    roles: [
      { role: 'caseworker', in: 'kalbach' },
      { role: 'caseworker', in: 'flieden', reason: 'Vertretung des Bürgerbüros Flieden' },
    ],
  },
  {
    email: 'bauhof@neuhof.example',
    name: 'Berta Bauhof',
    home: 'neuhof',
    roles: [{ role: 'building_yard', in: 'neuhof' }],
  },
  {
    email: 'vorstand@tsv-flieden.example',
    name: 'Vera Vorstand',
    home: 'flieden',
    roles: [{ role: 'club_admin', in: 'flieden' }],
  },
  {
    email: 'mitglied@tsv-flieden.example',
    name: 'Max Mitglied',
    home: 'flieden',
    roles: [{ role: 'club_member', in: 'flieden' }],
  },
  {
    email: 'buerger@example.org',
    name: 'Bea Bürgerin',
    home: 'flieden',
    roles: [{ role: 'citizen', in: 'flieden' }],
  },
];

const ORG_UNITS: { kind: OrgUnitKind; name: string }[] = [
  { kind: 'department', name: 'Hauptamt' },
  { kind: 'department', name: 'Bürgerbüro' },
  { kind: 'building_yard', name: 'Bauhof' },
];

export async function seedRegion(ctx: AppContext, region: DemoRegion): Promise<boolean> {
  const tenancy = new TenancyRepository(ctx.db);
  if (await tenancy.findRegionBySlug(region.slug)) return false;
  const actor = systemActor('demo seed');
  const created = await tenancy.createRegion(region);
  for (const m of region.municipalities) {
    const municipality = await ctx.tenancy.createMunicipality(
      { regionId: created.id, slug: m.slug, name: m.name, ags: m.ags },
      actor,
    );
    await ctx.tenancy.updateMunicipality(
      municipality.id,
      { address: m.address, contactPhone: m.phone, contactEmail: m.email, websiteUrl: m.website },
      actor,
    );
    for (const unit of ORG_UNITS)
      await ctx.tenancy.createOrgUnit(municipality.id, { ...unit, parentId: null }, actor);
  }
  return true;
}

export async function seedDemoPeople(ctx: AppContext): Promise<void> {
  const actor = systemActor('demo seed');
  const bySlug = new Map<string, Municipality>();
  const municipality = async (slug: string) => {
    if (!bySlug.has(slug)) bySlug.set(slug, await ctx.tenancy.municipalityBySlug(slug));
    return bySlug.get(slug)!;
  };
  const flieden = await municipality('flieden');
  await ctx.tenancy.createOrgUnit(
    flieden.id,
    { kind: 'club', name: 'TSV Flieden 1920 e.V.', parentId: null },
    actor,
  );
  for (const person of DEMO_PEOPLE) {
    if (await ctx.identity.findUserByEmail(person.email)) continue;
    const home = person.home ? await municipality(person.home) : null;
    const user = await ctx.identity.createPerson(
      {
        email: person.email,
        displayName: person.name,
        homeMunicipalityId: home?.id ?? null,
        password: DEMO_PASSWORD,
      },
      actor,
    );
    for (const grant of person.roles) {
      const target = grant.in ? await municipality(grant.in) : null;
      await ctx.identity.grantRole(
        {
          userId: user.id,
          role: grant.role,
          municipalityId: target?.id ?? null,
          reason: grant.reason ?? null,
          validUntil: null,
        },
        actor,
      );
    }
  }
}

/** Seeds the demo region(s); returns what was created. Safe to call again. */
export async function seedDemo(ctx: AppContext, options: { secondRegion: boolean }): Promise<string[]> {
  const created: string[] = [];
  if (await seedRegion(ctx, SUEDKREIS)) {
    await seedDemoPeople(ctx);
    created.push(SUEDKREIS.name);
  }
  if (options.secondRegion && (await seedRegion(ctx, KINZIGTAL))) created.push(KINZIGTAL.name);
  // Weather stations, river gauges, glass containers and parking lots, registered as LoRaWAN devices.
  await seedDemoSensors(ctx);
  await seedDemoRules(ctx);
  await seedDemoDashboards(ctx);
  await seedDemoClubs(ctx);
  await seedDemoParticipation(ctx);
  await seedDemoEgov(ctx);
  return created;
}
