// Shares of a file or folder with club groups and members. Who may change a node (write) or the club
// admin manages its shares; the club admin also lists all shares of the club ("Aktive Freigaben").
// A node one may not read answers 404, so its existence does not leak.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import type { Club } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { clubsPolicy } from '../clubs.policy.js';
import type { FileAccessView } from '../files/access.js';
import { authorizeNode, clubFiles } from '../files/authorize.js';
import type { ShareListing } from './shares.repository.js';
import type { CloudSharesService } from './shares.service.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Access = Type.Enum(['read', 'write']);
const ShareView = Type.Object({
  id: Type.String(),
  nodeId: Type.String(),
  nodeName: Type.String(),
  nodeKind: Type.Enum(['folder', 'file']),
  groupId: Nullable(Type.String()),
  groupName: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  userName: Nullable(Type.String()),
  access: Access,
  createdAt: Type.String(),
});
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const NodeParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  nodeId: Type.String({ format: 'uuid' }),
});
const ShareParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  shareId: Type.String({ format: 'uuid' }),
});

const presentShare = (s: ShareListing) => ({
  id: s.id,
  nodeId: s.node_id,
  nodeName: s.node_name,
  nodeKind: s.node_kind,
  groupId: s.group_id,
  groupName: s.group_name,
  userId: s.user_id,
  userName: s.user_name,
  access: s.access,
  createdAt: s.created_at.toISOString(),
});

export function sharesRoutes(ctx: AppContext, shares: CloudSharesService): FastifyPluginAsyncTypebox {
  /** The node, if the caller may manage its shares: 404 without read, 403 with read only. */
  async function managedNode(club: Club, view: FileAccessView, nodeId: string) {
    const node = await ctx.cloudFiles.get(club, nodeId);
    if (node.deleted_at) throw Errors.notFound('File');
    if (!view.admin) await authorizeNode(view, node, 'write');
    return node;
  }

  return async (app) => {
    app.get(
      '/api/clubs/:clubId/files/:nodeId/shares',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Shares of a file or folder, with the groups and members it can be shared with',
          params: NodeParams,
          response: {
            200: Type.Object({
              items: Type.Array(ShareView),
              groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
              members: Type.Array(Type.Object({ userId: Type.String(), displayName: Type.String() })),
            }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubFiles(ctx, principal.userId, request.params.clubId);
        const node = await managedNode(club, view, request.params.nodeId);
        const [items, groups, members] = await Promise.all([
          shares.listOfNode(club, node),
          ctx.clubs.listGroups(club),
          ctx.clubs.listMembers(club),
        ]);
        return {
          items: items.map(presentShare),
          groups: groups.map((g) => ({ id: g.id, name: g.name })),
          members: members.map((m) => ({ userId: m.userId, displayName: m.displayName })),
        };
      },
    );

    app.post(
      '/api/clubs/:clubId/files/:nodeId/shares',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Shares a file or folder with a group or a member (read or write)',
          params: NodeParams,
          body: Type.Object(
            {
              groupId: Type.Optional(Type.String({ format: 'uuid' })),
              userId: Type.Optional(Type.String({ format: 'uuid' })),
              access: Access,
            },
            { additionalProperties: false },
          ),
          response: { 201: ShareView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubFiles(ctx, principal.userId, request.params.clubId);
        const node = await managedNode(club, view, request.params.nodeId);
        const { groupId, userId, access } = request.body;
        const share = await shares.create(
          club,
          node,
          { groupId, userId },
          access,
          actorOf(principal, request),
        );
        const listed = (await shares.listOfNode(club, node)).find((s) => s.id === share.id)!;
        return reply.status(201).send(presentShare(listed));
      },
    );

    app.patch(
      '/api/clubs/:clubId/shares/:shareId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Changes the right a share gives',
          params: ShareParams,
          body: Type.Object({ access: Access }, { additionalProperties: false }),
          response: { 200: ShareView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubFiles(ctx, principal.userId, request.params.clubId);
        const share = await shares.get(club, request.params.shareId);
        const node = await managedNode(club, view, share.node_id);
        await shares.setAccess(club, share, request.body.access, actorOf(principal, request));
        return presentShare((await shares.listOfNode(club, node)).find((s) => s.id === share.id)!);
      },
    );

    app.delete(
      '/api/clubs/:clubId/shares/:shareId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Removes a share',
          params: ShareParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubFiles(ctx, principal.userId, request.params.clubId);
        const share = await shares.get(club, request.params.shareId);
        await managedNode(club, view, share.node_id);
        await shares.remove(club, share, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/clubs/:clubId/shares',
      {
        schema: {
          tags: ['cloud'],
          summary: 'All shares of the club (for its admins)',
          params: ClubParams,
          response: { 200: Type.Object({ items: Type.Array(ShareView) }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await clubFiles(ctx, principal.userId, request.params.clubId);
        if (!clubsPolicy.mayAdminister(principal, club, membership)) throw Errors.forbidden();
        const items = (await shares.listOfClub(club)).filter((s) => !s.node_deleted);
        return { items: items.map(presentShare) };
      },
    );
  };
}
