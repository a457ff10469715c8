import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '@srp/contracts';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../audit/audit.service.js';
import { requirePrincipal } from '../auth/principal.js';
import { Errors } from '../errors.js';
import { errorResponses, MunicipalityParams, Pagination } from '../http/schemas.js';
import { identityPolicy } from './identity.policy.js';
import type { GrantView } from './identity.repository.js';

const Person = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  homeMunicipalityId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(['active', 'disabled']),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
});

const Grant = Type.Object({
  id: Type.String(),
  role: Type.Enum([...ROLES]),
  municipalityId: Type.Union([Type.String(), Type.Null()]),
  user: Type.Object({
    id: Type.String(),
    email: Type.String(),
    displayName: Type.String(),
    homeMunicipalityId: Type.Union([Type.String(), Type.Null()]),
  }),
  substitution: Type.Boolean({ description: "The person's home is another municipality" }),
  reason: Type.Union([Type.String(), Type.Null()]),
  grantedBy: Type.Union([Type.String(), Type.Null()]),
  validUntil: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const GrantableRole = Type.Enum(ROLES.filter((r) => r !== 'platform_admin'));

const NewPerson = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 320 }),
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.Optional(Type.String({ maxLength: 256 })),
    roles: Type.Optional(Type.Array(GrantableRole, { uniqueItems: true, maxItems: 8 })),
  },
  { additionalProperties: false },
);

const NewGrant = Type.Object(
  {
    email: Type.String({
      format: 'email',
      maxLength: 320,
      description: 'The person, who may belong to another municipality',
    }),
    role: GrantableRole,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    validUntil: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

function presentGrant(g: GrantView) {
  return {
    id: g.id,
    role: g.role,
    municipalityId: g.municipalityId,
    user: {
      id: g.userId,
      email: g.userEmail,
      displayName: g.userDisplayName,
      homeMunicipalityId: g.userHomeMunicipalityId,
    },
    substitution: g.municipalityId !== null && g.municipalityId !== g.userHomeMunicipalityId,
    reason: g.reason,
    grantedBy: g.grantedBy,
    validUntil: g.validUntil?.toISOString() ?? null,
    revokedAt: g.revokedAt?.toISOString() ?? null,
    createdAt: g.createdAt.toISOString(),
  };
}

export function identityRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/municipalities/:municipalityId/people',
      {
        schema: {
          tags: ['people'],
          summary: 'People of a municipality: its own staff and those who stand in for it',
          params: MunicipalityParams,
          querystring: Pagination,
          response: { 200: Type.Object({ people: Type.Array(Person) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!identityPolicy.mayViewPeople(principal, municipalityId)) throw Errors.forbidden();
        const people = await ctx.identity.listPeople(
          municipalityId,
          request.query.limit,
          request.query.offset,
        );
        return {
          people: people.map((u) => ({
            id: u.id,
            email: u.email,
            displayName: u.display_name,
            homeMunicipalityId: u.home_municipality_id,
            status: u.status,
            lastLoginAt: u.last_login_at?.toISOString() ?? null,
          })),
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/people',
      {
        schema: {
          tags: ['people'],
          summary: 'Create an account whose home is this municipality',
          params: MunicipalityParams,
          body: NewPerson,
          response: { 201: Person, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        const roles = request.body.roles ?? [];
        if (!identityPolicy.mayCreatePerson(principal, municipalityId)) throw Errors.forbidden();
        if (!roles.every((role) => identityPolicy.mayGrant(principal, municipalityId, role)))
          throw Errors.forbidden();
        const actor = actorOf(principal, request);
        const user = await ctx.identity.createPerson(
          {
            email: request.body.email,
            displayName: request.body.displayName,
            homeMunicipalityId: municipalityId,
            password: request.body.password,
          },
          actor,
        );
        for (const role of roles) {
          await ctx.identity.grantRole(
            { userId: user.id, role, municipalityId, reason: null, validUntil: null },
            actor,
          );
        }
        return reply.status(201).send({
          id: user.id,
          email: user.email,
          displayName: user.display_name,
          homeMunicipalityId: user.home_municipality_id,
          status: user.status,
          lastLoginAt: null,
        });
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/grants',
      {
        schema: {
          tags: ['people'],
          summary:
            'Who holds which role in this municipality, substitutes from other municipalities included',
          params: MunicipalityParams,
          querystring: Type.Object({ includeRevoked: Type.Boolean({ default: false }) }),
          response: { 200: Type.Object({ grants: Type.Array(Grant) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!identityPolicy.mayViewPeople(principal, municipalityId)) throw Errors.forbidden();
        const grants = await ctx.identity.listGrants(municipalityId, request.query.includeRevoked);
        return { grants: grants.map(presentGrant) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/grants',
      {
        schema: {
          tags: ['people'],
          summary: 'Give a person a role here; a person from another municipality becomes a substitute',
          params: MunicipalityParams,
          body: NewGrant,
          response: { 201: Grant, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!identityPolicy.mayGrant(principal, municipalityId, request.body.role)) throw Errors.forbidden();
        const user = await ctx.identity.findUserByEmail(request.body.email);
        if (!user) throw Errors.notFound('Person');
        const validUntil = request.body.validUntil ? new Date(request.body.validUntil) : null;
        if (validUntil && validUntil.getTime() <= Date.now())
          throw Errors.validation('validUntil lies in the past');
        const grant = await ctx.identity.grantRole(
          {
            userId: user.id,
            role: request.body.role,
            municipalityId,
            reason: request.body.reason ?? null,
            validUntil,
          },
          actorOf(principal, request),
        );
        const view = await ctx.identity.findGrant(grant.id);
        return reply.status(201).send(presentGrant(view!));
      },
    );

    app.delete(
      '/api/municipalities/:municipalityId/grants/:grantId',
      {
        schema: {
          tags: ['people'],
          summary: 'Revoke a role',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            grantId: Type.String({ format: 'uuid' }),
          }),
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, grantId } = request.params;
        if (!identityPolicy.mayRevoke(principal, municipalityId)) throw Errors.forbidden();
        const grant = await ctx.identity.findGrant(grantId);
        // Scoped by municipality: another municipality's grant id is simply not found here.
        if (!grant || grant.municipalityId !== municipalityId) throw Errors.notFound('Grant');
        await ctx.identity.revokeGrant(grant, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );
  };
}
