// Public links: club members with write access create them, the club admin sees and revokes all active
// ones; anyone with the link opens /api/public/links/:token without an account (read, or upload-only).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { clubsPolicy } from '../clubs.policy.js';
import { authorizeNode, clubFiles } from '../files/authorize.js';
import { presentNode, sendContent } from '../files/files.routes.js';
import { assertValidName } from '../files/files.service.js';
import { LinkErrors, type PublicLinksService } from './links.service.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const LinkView = Type.Object({
  id: Type.String(),
  nodeId: Type.String(),
  nodeName: Type.String(),
  mode: Type.Enum(['read', 'upload_only']),
  hasPassword: Type.Boolean(),
  expiresAt: Nullable(Type.String()),
  createdAt: Type.String(),
  createdBy: Nullable(Type.String()),
});
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const TokenParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100 }) });
const Grant = Type.Object({ grant: Type.Optional(Type.String({ maxLength: 100 })) });

export function linksRoutes(ctx: AppContext, links: PublicLinksService): FastifyPluginAsyncTypebox {
  async function clubAccess(request: FastifyRequest, clubId: string) {
    const principal = requirePrincipal(request.principal);
    const { club, membership, view } = await clubFiles(ctx, principal.userId, clubId);
    return { principal, club, view, admin: clubsPolicy.mayAdminister(principal, club, membership) };
  }

  return async (app) => {
    // Uploads through a file drop stay streams.
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    app.post(
      '/api/clubs/:clubId/links',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Creates a public link to a file or folder; the URL (with its token) is shown only now',
          params: ClubParams,
          body: Type.Object(
            {
              nodeId: Type.String({ format: 'uuid' }),
              mode: Type.Enum(['read', 'upload_only'], { default: 'read' }),
              password: Type.Optional(Type.String({ minLength: 6, maxLength: 200 })),
              expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ id: Type.String(), token: Type.String(), url: Type.String() }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const { principal, club, view } = await clubAccess(request, request.params.clubId);
        const node = await ctx.cloudFiles.get(club, request.body.nodeId);
        // Only who may change a file or folder may hand it out to people without an account.
        await authorizeNode(view, node, 'write');
        const { link, token } = await links.create(
          club,
          node,
          {
            mode: request.body.mode,
            password: request.body.password ?? null,
            expiresAt: request.body.expiresAt ? new Date(request.body.expiresAt) : null,
          },
          actorOf(principal, request),
        );
        return reply
          .status(201)
          .send({ id: link.id, token, url: `${ctx.config.PUBLIC_URL}/vereinscloud/link/${token}` });
      },
    );

    app.get(
      '/api/clubs/:clubId/links',
      {
        schema: {
          tags: ['cloud'],
          summary: "Active public links: all of the club's for its admins, one's own for others",
          params: ClubParams,
          response: { 200: Type.Object({ items: Type.Array(LinkView) }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const { principal, club, admin } = await clubAccess(request, request.params.clubId);
        const all = await links.listActive(club);
        return {
          items: all
            .filter((l) => admin || l.created_by === principal.userId)
            .map((l) => ({
              id: l.id,
              nodeId: l.node_id,
              nodeName: l.node_name,
              mode: l.mode,
              hasPassword: l.password_hash !== null,
              expiresAt: l.expires_at ? l.expires_at.toISOString() : null,
              createdAt: l.created_at.toISOString(),
              createdBy: l.created_by,
            })),
        };
      },
    );

    app.delete(
      '/api/clubs/:clubId/links/:linkId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Revokes a public link (the club admin any, others their own)',
          params: Type.Object({
            clubId: Type.String({ format: 'uuid' }),
            linkId: Type.String({ format: 'uuid' }),
          }),
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { principal, club, admin } = await clubAccess(request, request.params.clubId);
        const link = await links.get(club, request.params.linkId);
        if (!admin && link.created_by !== principal.userId) throw Errors.forbidden();
        await links.revoke(club, link, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    // Without login

    app.get(
      '/api/public/links/:token',
      {
        schema: {
          tags: ['cloud'],
          summary: 'What a public link shares; a folder lists its members (folderId inside it)',
          params: TokenParams,
          querystring: Type.Object({
            folderId: Type.Optional(Type.String({ format: 'uuid' })),
            ...Grant.properties,
          }),
          response: {
            200: Type.Object({
              mode: Type.Enum(['read', 'upload_only']),
              clubName: Type.String(),
              node: Type.Any(),
              items: Type.Array(Type.Any()),
            }),
            ...errorResponses(401, 404, 410),
          },
        },
      },
      async (request) => {
        const { link, club, node } = await links.open(request.params.token);
        links.assertGranted(request.params.token, link, request.query.grant);
        const base = { mode: link.mode, clubName: club.name };
        if (link.mode === 'upload_only')
          return { ...base, node: { name: node.name, kind: node.kind }, items: [] };
        const current = await links.within(club, node, request.query.folderId);
        const items = current.kind === 'folder' ? await ctx.cloudFiles.children(club, current) : [];
        return { ...base, node: presentNode(current), items: items.map(presentNode) };
      },
    );

    app.post(
      '/api/public/links/:token/unlock',
      {
        schema: {
          tags: ['cloud'],
          summary: "Checks a link's password; the grant goes with later requests of this visit",
          params: TokenParams,
          body: Type.Object({ password: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ grant: Type.String() }), ...errorResponses(401, 404, 410) },
        },
      },
      async (request) => {
        const { link } = await links.open(request.params.token);
        return { grant: await links.unlock(request.params.token, link, request.body.password) };
      },
    );

    app.get(
      '/api/public/links/:token/content',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Downloads the shared file, or a file inside the shared folder (fileId); Range supported',
          params: TokenParams,
          querystring: Type.Object({
            fileId: Type.Optional(Type.String({ format: 'uuid' })),
            ...Grant.properties,
          }),
          response: errorResponses(401, 403, 404, 410, 416),
        },
      },
      async (request, reply) => {
        const { link, club, node } = await links.open(request.params.token);
        links.assertGranted(request.params.token, link, request.query.grant);
        if (link.mode === 'upload_only') throw LinkErrors.uploadOnly();
        const file = await links.within(club, node, request.query.fileId);
        return sendContent(ctx.cloudFiles, reply, file, request.headers, 'attachment');
      },
    );

    app.post(
      '/api/public/links/:token/files',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Drops a file into the shared folder of an upload-only link (body: the bytes)',
          params: TokenParams,
          querystring: Type.Object({
            name: Type.String({ minLength: 1, maxLength: 255 }),
            ...Grant.properties,
          }),
          response: {
            201: Type.Object({ name: Type.String(), size: Type.Number() }),
            ...errorResponses(400, 401, 403, 404, 410, 507),
          },
        },
      },
      async (request, reply) => {
        const body = request.body as Readable;
        try {
          const { link, club, node } = await links.open(request.params.token);
          links.assertGranted(request.params.token, link, request.query.grant);
          if (link.mode !== 'upload_only') throw LinkErrors.readOnly();
          assertValidName(request.query.name);
          const length = request.headers['content-length'];
          const { node: stored } = await links.drop(
            club,
            node,
            request.query.name,
            body,
            length !== undefined ? Number(length) : undefined,
          );
          return reply.status(201).send({ name: stored.name, size: Number(stored.size) });
        } catch (error) {
          body.resume();
          throw error;
        }
      },
    );
  };
}
