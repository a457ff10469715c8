// JSON API of clubs: apply, decide, quota, members and invitations, support requests. Thin handlers:
// schema → principal → clubsPolicy → ClubsService → presenter.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal } from '../core/auth/principal.js';
import type { Club } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses } from '../core/http/schemas.js';
import { clubsPolicy, type Membership } from './clubs.policy.js';
import { visibleClub } from './visible-club.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Access = Type.Enum(['none', 'read', 'write']);

const ClubView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  registerNumber: Nullable(Type.String()),
  status: Type.Enum(['applied', 'active', 'rejected', 'deleting']),
  quotaBytes: Type.Number(),
  usedBytes: Type.Number(),
  davUrl: Type.String(),
  myRole: Nullable(Type.Enum(['admin', 'member'])),
  createdAt: Type.String(),
});

const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });

export function clubsRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const present = (club: Club, role: Membership['role']) => ({
    id: club.id,
    municipalityId: club.municipality_id,
    slug: club.slug,
    name: club.name,
    registerNumber: club.register_number,
    status: club.status,
    quotaBytes: club.quota_bytes,
    usedBytes: club.used_bytes,
    davUrl: `${ctx.config.PUBLIC_URL}/dav/files/${club.slug}/`,
    myRole: role,
    createdAt: club.created_at.toISOString(),
  });

  return async (app) => {
    app.get(
      '/api/clubs',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Clubs of the caller, and the clubs of the municipalities the caller supports',
          response: {
            200: Type.Object({ mine: Type.Array(ClubView), supported: Type.Array(ClubView) }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const mine = await ctx.clubs.listForUser(principal.userId);
        const supported = await ctx.clubs.listInMunicipalities(
          clubsPolicy.supportedMunicipalities(principal),
        );
        return {
          mine: mine.map((c) => present(c, c.member_role)),
          supported: supported.map((c) => present(c, null)),
        };
      },
    );

    app.post(
      '/api/clubs',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Apply for a club cloud; municipal staff of the seat municipality decide',
          body: Type.Object(
            {
              municipalityId: Type.String({ format: 'uuid' }),
              name: Type.String({ minLength: 3, maxLength: 200 }),
              registerNumber: Type.Optional(Type.String({ maxLength: 50 })),
              contactEmail: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
              slug: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: ClubView, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const body = request.body;
        await ctx.tenancy.municipality(body.municipalityId);
        const club = await ctx.clubs.apply(
          {
            municipalityId: body.municipalityId,
            name: body.name,
            registerNumber: body.registerNumber ?? null,
            contactEmail: body.contactEmail ?? principal.email,
            slug: body.slug,
          },
          principal.userId,
          actorOf(principal, request),
        );
        return reply.status(201).send(present(club, 'admin'));
      },
    );

    app.get(
      '/api/clubs/:clubId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'A club with its usage',
          params: ClubParams,
          response: { 200: ClubView, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        return present(club, membership.role);
      },
    );

    app.post(
      '/api/clubs/:clubId/decision',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Approve or reject an application (municipal admins of the seat municipality)',
          params: ClubParams,
          body: Type.Object(
            { approve: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 2000 })) },
            { additionalProperties: false },
          ),
          response: { 200: ClubView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayDecide(principal, club)) throw Errors.forbidden();
        const decided = await ctx.clubs.decide(
          club,
          request.body.approve,
          request.body.note ?? null,
          actorOf(principal, request),
        );
        return present(decided, membership.role);
      },
    );

    app.put(
      '/api/clubs/:clubId/quota',
      {
        schema: {
          tags: ['cloud'],
          summary: "Set a club's storage quota in bytes (municipal admins)",
          params: ClubParams,
          body: Type.Object(
            { quotaBytes: Type.Integer({ minimum: 0, maximum: 1024 ** 5 }) },
            { additionalProperties: false },
          ),
          response: { 200: ClubView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.maySetQuota(principal, club)) throw Errors.forbidden();
        const updated = await ctx.clubs.setQuota(club, request.body.quotaBytes, actorOf(principal, request));
        return present(updated, membership.role);
      },
    );

    app.post(
      '/api/clubs/:clubId/invitations',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Invite a person by e-mail (club admins and groups allowed to manage members)',
          params: ClubParams,
          body: Type.Object(
            {
              email: Type.String({ format: 'email', maxLength: 254 }),
              role: Type.Enum(['admin', 'member'], { default: 'member' }),
            },
            { additionalProperties: false },
          ),
          response: {
            202: Type.Object({ invited: Type.String() }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayManageMembers(principal, club, membership)) throw Errors.forbidden();
        if (request.body.role === 'admin' && !clubsPolicy.mayAdminister(principal, club, membership))
          throw Errors.forbidden();
        await ctx.clubs.invite(club, request.body.email, request.body.role, actorOf(principal, request));
        return reply.status(202).send({ invited: request.body.email });
      },
    );

    app.post(
      '/api/clubs/invitations/accept',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Accept an invitation with the token from the e-mail',
          body: Type.Object(
            { token: Type.String({ minLength: 20, maxLength: 100 }) },
            { additionalProperties: false },
          ),
          response: { 200: ClubView, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const club = await ctx.clubs.acceptInvitation(
          request.body.token,
          principal.userId,
          actorOf(principal, request),
        );
        return present(club, (await ctx.clubs.membership(club.id, principal.userId)).role);
      },
    );

    app.get(
      '/api/clubs/:clubId/members',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Members and groups of a club',
          params: ClubParams,
          response: {
            200: Type.Object({
              members: Type.Array(
                Type.Object({
                  userId: Type.String(),
                  email: Type.String(),
                  displayName: Type.String(),
                  role: Type.Enum(['admin', 'member']),
                }),
              ),
              groups: Type.Array(
                Type.Object({
                  id: Type.String(),
                  name: Type.String(),
                  fileAccess: Access,
                  mayManageMembers: Type.Boolean(),
                  memberIds: Type.Array(Type.String()),
                }),
              ),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (membership.role === null) throw Errors.forbidden('Only members see the member list');
        const members = await ctx.clubs.listMembers(club);
        const groups = await ctx.clubs.listGroups(club);
        return {
          members: members.map((m) => ({
            userId: m.userId,
            email: m.email,
            displayName: m.displayName,
            role: m.role,
          })),
          groups: groups.map((g) => ({
            id: g.id,
            name: g.name,
            fileAccess: g.file_access,
            mayManageMembers: g.may_manage_members,
            memberIds: g.member_ids,
          })),
        };
      },
    );

    app.post(
      '/api/clubs/:clubId/support-requests',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Ask the municipal team for help (creates a task in its work inbox)',
          params: ClubParams,
          body: Type.Object(
            {
              subject: Type.String({ minLength: 3, maxLength: 200 }),
              message: Type.String({ minLength: 1, maxLength: 5000 }),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ id: Type.String(), status: Type.String(), taskId: Nullable(Type.String()) }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayOpenSupportRequest(principal, club, membership)) throw Errors.forbidden();
        const created = await ctx.clubs.openSupportRequest(
          club,
          request.body.subject,
          request.body.message,
          actorOf(principal, request),
        );
        return reply.status(201).send({ id: created.id, status: created.status, taskId: created.task_id });
      },
    );
  };
}
