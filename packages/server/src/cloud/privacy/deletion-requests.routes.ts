// JSON API of deletion requests: club admins ask and may withdraw, municipal admins confirm or decline.
// Thin handlers: schema → principal → clubsPolicy → ClubDeletionRequestService → presenter. People who
// cannot see the club get 404; members without the right 403.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { clubsPolicy } from '../clubs.policy.js';
import { visibleClub } from '../visible-club.js';
import type { DeletionRequestRow } from './deletion-requests.repository.js';
import { requireReason, type ClubDeletionRequestService } from './deletion-requests.service.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const RequestView = Type.Object({
  id: Type.String(),
  clubId: Type.String(),
  clubName: Type.String(),
  status: Type.Enum(['pending', 'confirmed', 'declined', 'withdrawn']),
  note: Nullable(Type.String()),
  requesterName: Nullable(Type.String()),
  decisionReason: Nullable(Type.String()),
  createdAt: Type.String(),
  decidedAt: Nullable(Type.String()),
});

const present = (row: DeletionRequestRow) => ({
  id: row.id,
  clubId: row.club_id,
  clubName: row.club_name,
  status: row.status,
  note: row.note,
  requesterName: row.requester_name,
  decisionReason: row.decision_reason,
  createdAt: row.created_at.toISOString(),
  decidedAt: row.decided_at?.toISOString() ?? null,
});

/** The typed name must be the club's: a deletion is never one click away. */
function assertConfirmName(typed: string | undefined, clubName: string) {
  if (typed?.trim() !== clubName)
    throw Errors.validation('The confirmation does not match the club name', { field: 'confirmName' });
}

export function deletionRequestRoutes(
  ctx: AppContext,
  requests: ClubDeletionRequestService,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/clubs/:clubId/deletion-request',
      {
        schema: {
          tags: ['cloud'],
          summary: "The club's newest deletion request (club admins, municipal staff)",
          params: ClubParams,
          response: {
            200: Type.Object({ request: Nullable(RequestView) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.maySeeDeletionRequest(principal, club, membership)) throw Errors.forbidden();
        const row = await requests.latest(club);
        return { request: row ? present(row) : null };
      },
    );

    app.post(
      '/api/clubs/:clubId/deletion-request',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Ask the municipality to delete the club (club admins; confirm by typing the club name)',
          params: ClubParams,
          body: Type.Object(
            {
              confirmName: Type.String({ maxLength: 200 }),
              note: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: RequestView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayRequestDeletion(principal, club, membership)) throw Errors.forbidden();
        assertConfirmName(request.body.confirmName, club.name);
        const note = request.body.note?.trim() || null;
        const row = await requests.request(club, note, actorOf(principal, request));
        return reply.status(201).send(present(row));
      },
    );

    app.delete(
      '/api/clubs/:clubId/deletion-request',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Withdraw the pending deletion request (club admins)',
          params: ClubParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayRequestDeletion(principal, club, membership)) throw Errors.forbidden();
        await requests.withdraw(club, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/clubs/:clubId/deletion-request/decision',
      {
        schema: {
          tags: ['cloud'],
          summary:
            'Confirm (the club is deleted; type its name) or decline (with a reason) the pending request (municipal admins)',
          params: ClubParams,
          body: Type.Object(
            {
              decision: Type.Enum(['confirm', 'decline']),
              reason: Type.Optional(Type.String({ maxLength: 2000 })),
              confirmName: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ status: Type.Enum(['confirmed', 'declined']) }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayConfirmDeletion(principal, club)) throw Errors.forbidden();
        const actor = actorOf(principal, request);
        const { decision, reason, confirmName } = request.body;
        if (decision === 'confirm') {
          assertConfirmName(confirmName, club.name);
          await requests.decide(club, { confirm: true, reason: reason?.trim() || null }, actor);
          return { status: 'confirmed' as const };
        }
        await requests.decide(club, { confirm: false, reason: requireReason(reason) }, actor);
        return { status: 'declined' as const };
      },
    );

    app.get(
      '/api/cloud/deletion-requests',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Pending deletion requests of the clubs whose municipality one administers',
          response: { 200: Type.Object({ items: Type.Array(RequestView) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const rows = await requests.pendingIn(clubsPolicy.deletionDeciderIn(principal));
        return { items: rows.map(present) };
      },
    );
  };
}
