// News and info pages: public reading (list, detail, RSS and Atom, legal and plain-language pages) and
// staff editing (rich-text HTML or Markdown, sanitised on the server; images; scheduled publication).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { municipalitiesWithRole, requirePrincipal, type Principal } from '../core/auth/principal.js';
import type { ParticipationPost } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses } from '../core/http/schemas.js';
import { atomFeed, rssFeed } from './feeds.js';
import { participationPolicy } from './participation.policy.js';
import type { PostRow } from './posts.repository.js';
import type { PostSource } from './posts.service.js';
import { adminRegionIds, regionById, regionOfMunicipality, scopeOf } from './regions.js';
import { sendImage } from './reports.routes.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Kind = Type.Enum(['news', 'page']);
const PageRole = Type.Enum(['accessibility', 'privacy', 'imprint', 'plain_language']);
const FieldsOfAction = Type.Array(Type.String({ pattern: '^[a-z0-9-]{2,40}$' }), { maxItems: 10 });

const PublicPost = Type.Object({
  id: Type.String(),
  kind: Kind,
  pageRole: Nullable(PageRole),
  slug: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  html: Type.String(),
  fieldsOfAction: Type.Array(Type.String()),
  regionId: Type.String(),
  municipalityId: Nullable(Type.String()),
  municipalityName: Nullable(Type.String()),
  publishedAt: Type.String(),
  updatedAt: Type.String(),
});

const StaffPost = Type.Object({
  ...PublicPost.properties,
  format: Type.Enum(['markdown', 'html']),
  markdown: Type.String(),
  status: Type.Enum(['draft', 'published']),
  publishAt: Nullable(Type.String()),
});

const PostBody = {
  title: Type.String({ minLength: 2, maxLength: 200 }),
  slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }),
  summary: Type.String({ maxLength: 1000 }),
  markdown: Type.String({ maxLength: 200_000 }),
  html: Type.String({ maxLength: 400_000 }),
  fieldsOfAction: FieldsOfAction,
  status: Type.Enum(['draft', 'published']),
  publishAt: Nullable(Type.String({ format: 'date-time' })),
  pageRole: Nullable(PageRole),
};

const presentPublic = (p: PostRow) => ({
  id: p.id,
  kind: p.kind,
  pageRole: p.page_role,
  slug: p.slug,
  title: p.title,
  summary: p.summary,
  html: p.body_html,
  fieldsOfAction: p.fields_of_action,
  regionId: p.region_id,
  municipalityId: p.municipality_id,
  municipalityName: p.municipality_name,
  publishedAt: (p.publish_at ?? p.created_at).toISOString(),
  updatedAt: p.updated_at.toISOString(),
});

const presentStaff = (p: PostRow) => ({
  ...presentPublic(p),
  format: p.body_format,
  markdown: p.body_markdown,
  status: p.status,
  publishAt: p.publish_at?.toISOString() ?? null,
});

/** The body a request carries: editor HTML wins; Markdown stays possible for older posts and the API. */
function sourceOf(b: { html?: string | undefined; markdown?: string | undefined }): PostSource | undefined {
  if (b.html !== undefined && b.markdown !== undefined)
    throw Errors.validation('Send either html or markdown, not both');
  if (b.html !== undefined) return { format: 'html', html: b.html };
  if (b.markdown !== undefined) return { format: 'markdown', markdown: b.markdown };
  return undefined;
}

export function slugify(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return slug || 'beitrag';
}

export function postRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { posts } = ctx.participation;
  const imageLimit = ctx.config.PARTICIPATION_PHOTO_MAX_MB * 1024 * 1024;

  async function mayEdit(
    principal: Principal,
    post: Pick<ParticipationPost, 'region_id' | 'municipality_id'>,
  ) {
    if (post.municipality_id) return participationPolicy.mayEditPosts(principal, post.municipality_id);
    const region = await regionById(ctx, post.region_id);
    return participationPolicy.mayEditRegion(principal, region.municipalityIds);
  }

  async function editablePost(principal: Principal, postId: string) {
    const post = await posts.get(postId);
    if (!(await mayEdit(principal, post))) throw Errors.notFound('Post');
    return post;
  }

  async function feedPosts(query: { region?: string | undefined; municipality?: string | undefined }) {
    const scope = await scopeOf(ctx, query);
    return posts.listPublic({
      kind: 'news',
      regionId: scope.regionId,
      municipalityId: query.municipality ? scope.municipalityIds[0] : undefined,
      limit: 50,
    });
  }

  const feedInfo = (query: Record<string, string | undefined>, file: string) => {
    const search = new URLSearchParams(
      Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ).toString();
    const base = ctx.config.PUBLIC_URL;
    return {
      title: 'Smart Region – Neuigkeiten',
      description: 'Neuigkeiten aus dem Smart-Region-Projekt und den Gemeinden',
      pageUrl: `${base}/mitmachen/news`,
      selfUrl: `${base}/api/public/news/${file}${search ? `?${search}` : ''}`,
      postUrl: (p: PostRow) => `${base}/mitmachen/news/${p.id}`,
    };
  };

  const FeedQuery = Type.Object({
    region: Type.Optional(Type.String({ maxLength: 100 })),
    municipality: Type.Optional(Type.String({ maxLength: 100 })),
  });

  return async (app) => {
    app.addContentTypeParser(
      ['image/jpeg', 'image/png', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: imageLimit + 1 },
      (_req, body, done) => done(null, body),
    );

    app.get(
      '/api/public/news',
      {
        schema: {
          tags: ['participation'],
          summary: 'Published news of the region or a municipality (with the region-wide news)',
          querystring: Type.Object({
            region: Type.Optional(Type.String({ maxLength: 100 })),
            municipality: Type.Optional(Type.String({ maxLength: 100 })),
            field: Type.Optional(Type.String({ maxLength: 40 })),
            limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
            offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
          }),
          response: { 200: Type.Object({ posts: Type.Array(PublicPost) }), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const scope = await scopeOf(ctx, q);
        const rows = await posts.listPublic({
          kind: 'news',
          regionId: scope.regionId,
          municipalityId: q.municipality ? scope.municipalityIds[0] : undefined,
          fieldOfAction: q.field,
          limit: q.limit,
          offset: q.offset,
        });
        void reply.header('cache-control', 'public, max-age=30');
        return { posts: rows.map(presentPublic) };
      },
    );

    app.get(
      '/api/public/news/feed.rss',
      { schema: { tags: ['participation'], summary: 'News as RSS 2.0', querystring: FeedQuery } },
      async (request, reply) => {
        const xml = rssFeed(feedInfo(request.query, 'feed.rss'), await feedPosts(request.query));
        return reply
          .header('content-type', 'application/rss+xml; charset=utf-8')
          .header('cache-control', 'public, max-age=300')
          .send(xml);
      },
    );

    app.get(
      '/api/public/news/feed.atom',
      { schema: { tags: ['participation'], summary: 'News as Atom 1.0', querystring: FeedQuery } },
      async (request, reply) => {
        const xml = atomFeed(feedInfo(request.query, 'feed.atom'), await feedPosts(request.query));
        return reply
          .header('content-type', 'application/atom+xml; charset=utf-8')
          .header('cache-control', 'public, max-age=300')
          .send(xml);
      },
    );

    app.get(
      '/api/public/news/:postId',
      {
        schema: {
          tags: ['participation'],
          summary: 'One published news post or page',
          params: Type.Object({ postId: Type.String({ format: 'uuid' }) }),
          response: { 200: PublicPost, ...errorResponses(404) },
        },
      },
      async (request) => presentPublic(await posts.getPublic(request.params.postId)),
    );

    app.get(
      '/api/public/pages',
      {
        schema: {
          tags: ['participation'],
          summary:
            'Published info pages: legal pages (accessibility, privacy, imprint) per municipality and the plain-language page',
          querystring: Type.Object({
            region: Type.Optional(Type.String({ maxLength: 100 })),
            municipality: Type.Optional(Type.String({ maxLength: 100 })),
            role: Type.Optional(PageRole),
          }),
          response: { 200: Type.Object({ pages: Type.Array(PublicPost) }), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const q = request.query;
        const scope = await scopeOf(ctx, q);
        const rows = await posts.listPublic({
          kind: 'page',
          regionId: scope.regionId,
          municipalityId: q.municipality ? scope.municipalityIds[0] : undefined,
          pageRole: q.role,
          limit: 100,
        });
        return { pages: rows.map(presentPublic) };
      },
    );

    app.get(
      '/api/public/participation/images/:imageId',
      {
        schema: {
          tags: ['participation'],
          summary: 'An image of a news post or page',
          params: Type.Object({ imageId: Type.String({ format: 'uuid' }) }),
        },
      },
      async (request, reply) => {
        const { file } = await posts.imageFile(request.params.imageId);
        return sendImage(reply, file, 'public');
      },
    );

    // --- staff

    app.get(
      '/api/participation/posts',
      {
        schema: {
          tags: ['participation'],
          summary: 'News and pages the caller may edit, drafts included',
          querystring: Type.Object({ kind: Type.Optional(Kind) }),
          response: { 200: Type.Object({ posts: Type.Array(StaffPost) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const municipalityIds = municipalitiesWithRole(principal, [
          'municipal_admin',
          'caseworker',
          'process_designer',
        ]);
        const regionIds = await adminRegionIds(ctx, principal);
        const rows = await posts.listForStaff(municipalityIds, regionIds, request.query.kind);
        return { posts: rows.map(presentStaff) };
      },
    );

    app.post(
      '/api/participation/posts',
      {
        schema: {
          tags: ['participation'],
          summary:
            'Write a news post or page (editor HTML or Markdown; sanitised on the server, images only from our storage)',
          body: Type.Object(
            {
              municipalityId: Nullable(Type.String({ format: 'uuid' })),
              regionId: Type.Optional(Type.String({ format: 'uuid' })),
              kind: Kind,
              title: PostBody.title,
              slug: Type.Optional(PostBody.slug),
              summary: Type.Optional(PostBody.summary),
              markdown: Type.Optional(PostBody.markdown),
              html: Type.Optional(PostBody.html),
              fieldsOfAction: Type.Optional(PostBody.fieldsOfAction),
              status: Type.Optional(PostBody.status),
              publishAt: Type.Optional(PostBody.publishAt),
              pageRole: Type.Optional(PostBody.pageRole),
            },
            { additionalProperties: false },
          ),
          response: { 201: StaffPost, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const b = request.body;
        const body = sourceOf(b);
        if (!body) throw Errors.validation('A post needs html or markdown');
        let regionId: string;
        if (b.municipalityId) regionId = (await regionOfMunicipality(ctx, b.municipalityId)).regionId;
        else if (b.regionId) regionId = b.regionId;
        else throw Errors.validation('A post needs a municipality or a region');
        if (!(await mayEdit(principal, { region_id: regionId, municipality_id: b.municipalityId })))
          throw Errors.forbidden();
        const created = await posts.create(
          {
            regionId,
            municipalityId: b.municipalityId,
            kind: b.kind,
            pageRole: b.pageRole ?? null,
            slug: b.slug ?? slugify(b.title),
            title: b.title,
            summary: b.summary ?? '',
            body,
            fieldsOfAction: b.fieldsOfAction ?? [],
            status: b.status ?? 'draft',
            publishAt: b.publishAt ? new Date(b.publishAt) : null,
          },
          actorOf(principal, request),
        );
        return reply.status(201).send(presentStaff(await posts.get(created.id)));
      },
    );

    app.get(
      '/api/participation/posts/:postId',
      {
        schema: {
          tags: ['participation'],
          summary: 'A post for editing',
          params: Type.Object({ postId: Type.String({ format: 'uuid' }) }),
          response: { 200: StaffPost, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        return presentStaff(await editablePost(principal, request.params.postId));
      },
    );

    app.patch(
      '/api/participation/posts/:postId',
      {
        schema: {
          tags: ['participation'],
          summary: 'Change, publish, schedule or unpublish a post',
          params: Type.Object({ postId: Type.String({ format: 'uuid' }) }),
          body: Type.Partial(Type.Object(PostBody), { additionalProperties: false }),
          response: { 200: StaffPost, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const post = await editablePost(principal, request.params.postId);
        const b = request.body;
        const body = sourceOf(b);
        await posts.update(
          post,
          {
            ...(b.title !== undefined ? { title: b.title } : {}),
            ...(b.slug !== undefined ? { slug: b.slug } : {}),
            ...(b.summary !== undefined ? { summary: b.summary } : {}),
            ...(body ? { body } : {}),
            ...(b.fieldsOfAction !== undefined ? { fieldsOfAction: b.fieldsOfAction } : {}),
            ...(b.status !== undefined ? { status: b.status } : {}),
            ...(b.publishAt !== undefined ? { publishAt: b.publishAt ? new Date(b.publishAt) : null } : {}),
            ...(b.pageRole !== undefined && post.kind === 'page' ? { pageRole: b.pageRole } : {}),
          },
          actorOf(principal, request),
        );
        return presentStaff(await posts.get(post.id));
      },
    );

    app.delete(
      '/api/participation/posts/:postId',
      {
        schema: {
          tags: ['participation'],
          summary: 'Delete a post',
          params: Type.Object({ postId: Type.String({ format: 'uuid' }) }),
          response: { 204: Type.Null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const post = await editablePost(principal, request.params.postId);
        await posts.remove(post, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/participation/preview',
      {
        schema: {
          tags: ['participation'],
          summary: 'Show editor HTML or Markdown as the public will see it (sanitised HTML)',
          body: Type.Object(
            { markdown: Type.Optional(PostBody.markdown), html: Type.Optional(PostBody.html) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ html: Type.String() }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        requirePrincipal(request.principal);
        const source = sourceOf(request.body);
        if (!source) throw Errors.validation('Send html or markdown');
        return { html: posts.preview(source) };
      },
    );

    app.post(
      '/api/participation/images',
      {
        schema: {
          tags: ['participation'],
          summary: 'Upload an image for posts (raw JPEG or PNG body) with its alternative text',
          querystring: Type.Object({
            alt: Type.String({ minLength: 1, maxLength: 500 }),
            municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
            regionId: Type.Optional(Type.String({ format: 'uuid' })),
          }),
          response: {
            201: Type.Object({ id: Type.String(), url: Type.String(), alt: Type.String() }),
            ...errorResponses(400, 401, 403, 413, 415),
          },
        },
        bodyLimit: imageLimit + 1,
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        if (!Buffer.isBuffer(request.body)) throw Errors.unsupportedMediaType();
        const { municipalityId, regionId: givenRegion } = request.query;
        const regionId = municipalityId
          ? (await regionOfMunicipality(ctx, municipalityId)).regionId
          : givenRegion;
        if (!regionId) throw Errors.validation('An image needs a municipality or a region');
        if (!(await mayEdit(principal, { region_id: regionId, municipality_id: municipalityId ?? null })))
          throw Errors.forbidden();
        const image = await posts.addImage(
          regionId,
          municipalityId ?? null,
          request.body,
          request.query.alt,
          actorOf(principal, request),
        );
        return reply
          .status(201)
          .send({ id: image.id, url: `/api/public/participation/images/${image.id}`, alt: image.alt });
      },
    );
  };
}
