// JSON API of club exports and club deletion. Thin handlers: schema → principal → clubsPolicy →
// ClubDataService → presenter. People who cannot see the club get 404; members without the right 403.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal, type Principal } from '../../core/auth/principal.js';
import type { CloudExport } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { clubsPolicy } from '../clubs.policy.js';
import { visibleClub } from '../visible-club.js';
import type { ClubDataService } from './data.service.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const ExportParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  exportId: Type.String({ format: 'uuid' }),
});
const ExportView = Type.Object({
  id: Type.String(),
  status: Type.Enum(['queued', 'running', 'done', 'failed']),
  filesDone: Type.Integer(),
  filesTotal: Type.Integer(),
  size: Nullable(Type.Number()),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  expiresAt: Type.String(),
});

const present = (row: CloudExport) => ({
  id: row.id,
  status: row.status,
  filesDone: row.files_done,
  filesTotal: row.files_total,
  size: row.size === null ? null : Number(row.size),
  createdAt: row.created_at.toISOString(),
  finishedAt: row.finished_at?.toISOString() ?? null,
  expiresAt: row.expires_at.toISOString(),
});

export function clubDataRoutes(ctx: AppContext, data: ClubDataService): FastifyPluginAsyncTypebox {
  async function exportableClub(principal: Principal, clubId: string) {
    const { club, membership } = await visibleClub(ctx.clubs, principal, clubId);
    if (!clubsPolicy.mayExport(principal, club, membership)) throw Errors.forbidden();
    return club;
  }

  return async (app) => {
    app.post(
      '/api/clubs/:clubId/exports',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Start an export of all club data as a ZIP (club admins, municipal admins)',
          params: ClubParams,
          response: { 202: ExportView, ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const club = await exportableClub(principal, request.params.clubId);
        const row = await data.startExport(club, principal.userId, actorOf(principal, request));
        return reply.status(202).send(present(row));
      },
    );

    app.get(
      '/api/clubs/:clubId/exports',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Exports of the club that have not expired, newest first',
          params: ClubParams,
          response: { 200: Type.Object({ items: Type.Array(ExportView) }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const club = await exportableClub(principal, request.params.clubId);
        return { items: (await data.listExports(club)).map(present) };
      },
    );

    app.get(
      '/api/clubs/:clubId/exports/:exportId/download',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Download a finished export (audited)',
          params: ExportParams,
          response: { ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const club = await exportableClub(principal, request.params.clubId);
        const { row, file } = await data.openExport(
          club,
          request.params.exportId,
          actorOf(principal, request),
        );
        const day = row.created_at.toISOString().slice(0, 10);
        return reply
          .header('content-type', 'application/zip')
          .header('content-length', String(file.range.length))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .header('content-disposition', `attachment; filename="${club.slug}-export-${day}.zip"`)
          .send(file.stream);
      },
    );

    app.post(
      '/api/clubs/:clubId/deletion',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Delete a club with all its data (municipal admins; confirm by typing the club name)',
          params: ClubParams,
          body: Type.Object(
            { confirmName: Type.String({ maxLength: 200 }) },
            { additionalProperties: false },
          ),
          response: {
            202: Type.Object({ status: Type.Literal('deleting') }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club } = await visibleClub(ctx.clubs, principal, request.params.clubId);
        if (!clubsPolicy.mayConfirmDeletion(principal, club)) throw Errors.forbidden();
        if (request.body.confirmName.trim() !== club.name)
          throw Errors.validation('The confirmation does not match the club name', { field: 'confirmName' });
        await data.startDeletion(club, actorOf(principal, request));
        return reply.status(202).send({ status: 'deleting' as const });
      },
    );
  };
}
