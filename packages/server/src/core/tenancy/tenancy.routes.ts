import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MunicipalityPatch, PublicMunicipality, PublicRegionList } from '@srp/contracts';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../audit/audit.service.js';
import { requirePrincipal } from '../auth/principal.js';
import { Errors } from '../errors.js';
import { errorResponses, MunicipalityParams } from '../http/schemas.js';
import { tenancyPolicy } from './tenancy.policy.js';
import { presentMunicipality } from './tenancy.service.js';

const StaffMunicipality = Type.Intersect([
  PublicMunicipality,
  Type.Object({ regionId: Type.String(), ars: Type.Union([Type.String(), Type.Null()]) }),
]);

const NewMunicipality = Type.Object(
  {
    regionId: Type.String({ format: 'uuid' }),
    slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    ags: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{8}$' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const OrgUnit = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['department', 'building_yard', 'team', 'club']),
  name: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
});

const NewOrgUnit = Type.Object(
  {
    kind: Type.Enum(['department', 'building_yard', 'team', 'club']),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const presentStaffMunicipality = (m: Parameters<typeof presentMunicipality>[0]) => ({
  ...presentMunicipality(m),
  regionId: m.region_id,
  ars: m.ars,
});

export function tenancyRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/public/regions',
      {
        schema: {
          tags: ['public'],
          summary: 'Regions and their member municipalities',
          response: { 200: PublicRegionList },
        },
      },
      async () => ({ regions: await ctx.tenancy.publicRegions() }),
    );

    app.get(
      '/api/public/municipalities/:slug',
      {
        schema: {
          tags: ['public'],
          summary: 'A municipality with contact and legal links',
          params: Type.Object({ slug: Type.String({ maxLength: 63 }) }),
          response: { 200: PublicMunicipality, ...errorResponses(404) },
        },
      },
      async (request) => presentMunicipality(await ctx.tenancy.municipalityBySlug(request.params.slug)),
    );

    app.get(
      '/api/municipalities',
      {
        schema: {
          tags: ['tenancy'],
          summary: 'Municipalities the caller works for (all for platform admins)',
          response: {
            200: Type.Object({ municipalities: Type.Array(StaffMunicipality) }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        return {
          municipalities: (await ctx.tenancy.municipalitiesOf(principal)).map(presentStaffMunicipality),
        };
      },
    );

    app.post(
      '/api/municipalities',
      {
        schema: {
          tags: ['tenancy'],
          summary: 'Add a municipality to a region (platform admins)',
          body: NewMunicipality,
          response: { 201: StaffMunicipality, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        if (!tenancyPolicy.mayCreateMunicipality(principal)) throw Errors.forbidden();
        const created = await ctx.tenancy.createMunicipality(request.body, actorOf(principal, request));
        return reply.status(201).send(presentStaffMunicipality(created));
      },
    );

    app.patch(
      '/api/municipalities/:municipalityId',
      {
        schema: {
          tags: ['tenancy'],
          summary: "Update a municipality's profile (its admins)",
          params: MunicipalityParams,
          body: MunicipalityPatch,
          response: { 200: StaffMunicipality, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!tenancyPolicy.mayUpdateMunicipality(principal, municipalityId)) throw Errors.forbidden();
        const updated = await ctx.tenancy.updateMunicipality(
          municipalityId,
          request.body,
          actorOf(principal, request),
        );
        return presentStaffMunicipality(updated);
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/org-units',
      {
        schema: {
          tags: ['tenancy'],
          summary: 'Departments, building yard, teams and clubs of a municipality',
          params: MunicipalityParams,
          response: { 200: Type.Object({ orgUnits: Type.Array(OrgUnit) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        if (!tenancyPolicy.mayViewOrgUnits(principal, request.params.municipalityId))
          throw Errors.forbidden();
        const units = await ctx.tenancy.listOrgUnits(request.params.municipalityId);
        return {
          orgUnits: units.map((u) => ({ id: u.id, kind: u.kind, name: u.name, parentId: u.parent_id })),
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/org-units',
      {
        schema: {
          tags: ['tenancy'],
          summary: 'Add an organisational unit',
          params: MunicipalityParams,
          body: NewOrgUnit,
          response: { 201: OrgUnit, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!tenancyPolicy.mayManageOrgUnits(principal, municipalityId)) throw Errors.forbidden();
        const unit = await ctx.tenancy.createOrgUnit(
          municipalityId,
          { kind: request.body.kind, name: request.body.name, parentId: request.body.parentId ?? null },
          actorOf(principal, request),
        );
        return reply
          .status(201)
          .send({ id: unit.id, kind: unit.kind, name: unit.name, parentId: unit.parent_id });
      },
    );
  };
}
