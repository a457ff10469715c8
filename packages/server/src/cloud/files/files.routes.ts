// JSON API of the club file tree for the web file manager: the second adapter (beside WebDAV) over
// CloudFilesService. Thin handlers: schema → principal → clubsPolicy.fileAccess → service → presenter.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { requirePrincipal, type Principal } from '../../core/auth/principal.js';
import type { Club, CloudNode, CloudVersion } from '../../core/db/schema.js';
import type { CloudFilesService } from './files.service.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { assertNothingProtectedBelow, authorizeNode, clubFiles } from './authorize.js';
import { parseRange } from './http-range.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const NodeView = Type.Object({
  id: Type.String(),
  parentId: Nullable(Type.String()),
  name: Type.String(),
  kind: Type.Enum(['folder', 'file']),
  size: Type.Number(),
  contentType: Nullable(Type.String()),
  createdAt: Type.String(),
  modifiedAt: Type.String(),
  deletedAt: Nullable(Type.String()),
});
const VersionView = Type.Object({
  id: Type.String(),
  size: Type.Number(),
  contentType: Nullable(Type.String()),
  createdAt: Type.String(),
});
const Crumb = Type.Object({ id: Type.String(), name: Type.String() });

const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const NodeParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  nodeId: Type.String({ format: 'uuid' }),
});
const VersionParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  nodeId: Type.String({ format: 'uuid' }),
  versionId: Type.String({ format: 'uuid' }),
});
const Name = Type.String({ minLength: 1, maxLength: 255 });

/** Images and PDFs are shown inline for preview; everything else is a download. */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

export const presentNode = (node: CloudNode) => ({
  id: node.id,
  parentId: node.parent_id,
  name: node.name,
  kind: node.kind,
  size: Number(node.size),
  contentType: node.content_type,
  createdAt: node.created_at.toISOString(),
  modifiedAt: node.modified_at.toISOString(),
  deletedAt: node.deleted_at ? node.deleted_at.toISOString() : null,
});

const presentVersion = (version: CloudVersion) => ({
  id: version.id,
  size: Number(version.size),
  contentType: version.content_type,
  createdAt: version.created_at.toISOString(),
});

/** Sends a file's content with Range support; inline only for previewable types. */
export async function sendContent(
  files: CloudFilesService,
  reply: FastifyReply,
  node: CloudNode,
  headers: { range?: string | undefined; 'if-range'?: string | string[] | undefined },
  disposition: 'inline' | 'attachment',
) {
  if (node.kind !== 'file') throw Errors.notFound('File');
  const etag = node.etag ?? `"${node.id}"`;
  const size = Number(node.size);
  const type = node.content_type ?? 'application/octet-stream';
  const range = parseRange(headers.range, size, header(headers['if-range']), etag);
  if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send();
  const inline = disposition === 'inline' && PREVIEWABLE.has(type.split(';')[0]!.trim());
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', etag)
    .header('content-type', type)
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-disposition',
      `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(node.name)}`,
    );
  if (size === 0) return reply.header('content-length', '0').send('');
  const result = await files.read(node, range ?? undefined);
  if (range)
    reply.code(206).header('content-range', `bytes ${result.range.start}-${result.range.end}/${size}`);
  return reply.header('content-length', String(result.range.length)).send(result.stream);
}

export function filesRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const files = ctx.cloudFiles;

  /** The club and the caller's rights; people who may not see the club get 404. */
  const clubAccess = (principal: Principal, clubId: string) => clubFiles(ctx, principal.userId, clubId);

  /** A live (not trashed) node of the club. */
  async function liveNode(club: Club, nodeId: string) {
    const node = await files.get(club, nodeId);
    if (node.deleted_at) throw Errors.notFound('File');
    return node;
  }

  return async (app) => {
    app.get(
      '/api/clubs/:clubId/files',
      {
        schema: {
          tags: ['cloud'],
          summary: 'A folder of the club (the root without folderId): one page of its members',
          params: ClubParams,
          querystring: Type.Object({
            folderId: Type.Optional(Type.String({ format: 'uuid' })),
            sort: Type.Enum(['name', 'size', 'modified'], { default: 'name' }),
            order: Type.Enum(['asc', 'desc'], { default: 'asc' }),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, default: 0 }),
          }),
          response: {
            200: Type.Object({
              folder: NodeView,
              path: Type.Array(Crumb),
              items: Type.Array(NodeView),
              total: Type.Integer(),
              access: Type.Enum(['read', 'write']),
              /** A club admin (sees and manages all shares and links). */
              admin: Type.Boolean(),
              quotaBytes: Type.Number(),
              usedBytes: Type.Number(),
            }),
            ...errorResponses(401, 404, 409),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const q = request.query;
        const folder = q.folderId ? await liveNode(club, q.folderId) : await files.root(club);
        const access = await authorizeNode(view, folder, 'read');
        const page_ = { sort: q.sort, order: q.order, limit: q.limit, offset: q.offset };
        const [page, path] = await Promise.all([
          files.listFolder(club, folder, page_, view.listingFilter(folder.id, access)),
          files.breadcrumb(club, folder),
        ]);
        return {
          folder: presentNode(folder),
          path: path.map((c, i) => (i === 0 ? { id: c.id, name: club.name } : c)),
          items: page.items.map(presentNode),
          total: page.total,
          access: access === 'write' ? ('write' as const) : ('read' as const),
          admin: view.admin,
          quotaBytes: Number(club.quota_bytes),
          usedBytes: Number(club.used_bytes),
        };
      },
    );

    app.get(
      '/api/clubs/:clubId/files/search',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Files and folders of the club whose name contains the term',
          params: ClubParams,
          querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: {
            200: Type.Object({ items: Type.Array(NodeView) }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const found = await view.visible(await files.search(club, request.query.q, 100));
        return { items: found.map(presentNode) };
      },
    );

    app.post(
      '/api/clubs/:clubId/folders',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Creates a folder',
          params: ClubParams,
          body: Type.Object(
            { parentId: Type.String({ format: 'uuid' }), name: Name },
            { additionalProperties: false },
          ),
          response: { 201: NodeView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const parent = await liveNode(club, request.body.parentId);
        await authorizeNode(view, parent, 'write');
        const folder = await files.createFolder(club, parent, request.body.name, principal.userId);
        return reply.status(201).send(presentNode(folder));
      },
    );

    app.patch(
      '/api/clubs/:clubId/files/:nodeId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Renames and/or moves a file or folder (no overwrite: a clash answers 409)',
          params: NodeParams,
          body: Type.Object(
            { name: Type.Optional(Name), parentId: Type.Optional(Type.String({ format: 'uuid' })) },
            { additionalProperties: false },
          ),
          response: { 200: NodeView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await liveNode(club, request.params.nodeId);
        await authorizeNode(view, node, 'write');
        if (node.parent_id === null) throw Errors.forbidden('The root folder cannot be moved');
        const target = await liveNode(club, request.body.parentId ?? node.parent_id);
        if (target.id !== node.parent_id) {
          await authorizeNode(view, target, 'write');
          assertNothingProtectedBelow(view, node);
        }
        const moved = await files.move(club, node, target, request.body.name ?? node.name, {
          overwrite: false,
          userId: principal.userId,
        });
        return presentNode(moved.node);
      },
    );

    app.delete(
      '/api/clubs/:clubId/files/:nodeId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Moves a file or folder (with everything in it) to the trash',
          params: NodeParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await liveNode(club, request.params.nodeId);
        await authorizeNode(view, node, 'write');
        assertNothingProtectedBelow(view, node);
        await files.trash(club, node, principal.userId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/clubs/:clubId/files/:nodeId/content',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Downloads a file (Range supported); inline=true shows images and PDFs in the browser',
          params: NodeParams,
          querystring: Type.Object({ inline: Type.Boolean({ default: false }) }),
          response: errorResponses(401, 404, 416),
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await liveNode(club, request.params.nodeId);
        await authorizeNode(view, node, 'read');
        return sendContent(
          files,
          reply,
          node,
          request.headers,
          request.query.inline ? 'inline' : 'attachment',
        );
      },
    );

    app.get(
      '/api/clubs/:clubId/files/:nodeId/versions',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Previous contents of a file, newest first',
          params: NodeParams,
          response: { 200: Type.Object({ items: Type.Array(VersionView) }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await liveNode(club, request.params.nodeId);
        await authorizeNode(view, node, 'read');
        return { items: (await files.versions(node)).map(presentVersion) };
      },
    );

    app.post(
      '/api/clubs/:clubId/files/:nodeId/versions/:versionId/restore',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Makes a previous content current again (the current one becomes a version)',
          params: VersionParams,
          response: { 200: NodeView, ...errorResponses(401, 403, 404, 507) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await liveNode(club, request.params.nodeId);
        await authorizeNode(view, node, 'write');
        return presentNode(
          await files.restoreVersion(club, node, request.params.versionId, principal.userId),
        );
      },
    );

    app.get(
      '/api/clubs/:clubId/trash',
      {
        schema: {
          tags: ['cloud'],
          summary: 'What was deleted (each top item of a deletion), newest first',
          params: ClubParams,
          response: { 200: Type.Object({ items: Type.Array(NodeView) }), ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        return { items: (await view.visible(await files.listTrash(club))).map(presentNode) };
      },
    );

    app.post(
      '/api/clubs/:clubId/trash/:nodeId/restore',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Restores from the trash into its old folder (renamed on a clash)',
          params: NodeParams,
          response: { 200: NodeView, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await files.get(club, request.params.nodeId);
        await authorizeNode(view, node, 'write');
        return presentNode(await files.restore(club, node));
      },
    );

    app.delete(
      '/api/clubs/:clubId/trash/:nodeId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Deletes a trashed item for good and frees its storage',
          params: NodeParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, view } = await clubAccess(principal, request.params.clubId);
        const node = await files.get(club, request.params.nodeId);
        await authorizeNode(view, node, 'write');
        await files.purge(club, node);
        return reply.status(204).send(null);
      },
    );
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
