// Feedback and ideas on the project: anyone may send; the team answers and publishes (or hides) them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal } from '../core/auth/principal.js';
import type { Feedback } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses } from '../core/http/schemas.js';
import { participationPolicy } from './participation.policy.js';
import { adminRegionIds, regionById, scopeOf } from './regions.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Kind = Type.Enum(['feedback', 'idea']);

const PublicFeedback = Type.Object({
  id: Type.String(),
  kind: Kind,
  title: Type.String(),
  body: Type.String(),
  answer: Nullable(Type.String()),
  createdAt: Type.String(),
  answeredAt: Nullable(Type.String()),
});

const StaffFeedback = Type.Object({
  ...PublicFeedback.properties,
  regionId: Type.String(),
  municipalityId: Nullable(Type.String()),
  status: Type.Enum(['new', 'published', 'hidden']),
  authorName: Nullable(Type.String()),
  authorEmail: Nullable(Type.String()),
});

const presentPublic = (f: Feedback) => ({
  id: f.id,
  kind: f.kind,
  title: f.title,
  body: f.body,
  answer: f.answer,
  createdAt: f.created_at.toISOString(),
  answeredAt: f.answered_at?.toISOString() ?? null,
});

const presentStaff = (f: Feedback) => ({
  ...presentPublic(f),
  regionId: f.region_id,
  municipalityId: f.municipality_id,
  status: f.status,
  authorName: f.author_name,
  authorEmail: f.author_email,
});

export function feedbackRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { feedback, guard } = ctx.participation;

  return async (app) => {
    app.post(
      '/api/public/feedback',
      {
        schema: {
          tags: ['participation'],
          summary: 'Send feedback or an idea on the Smart Region project',
          body: Type.Object(
            {
              region: Type.String({ maxLength: 100 }),
              municipality: Type.Optional(Type.String({ maxLength: 100 })),
              kind: Kind,
              title: Type.String({ minLength: 3, maxLength: 200 }),
              body: Type.String({ minLength: 10, maxLength: 5000 }),
              name: Type.Optional(Type.String({ maxLength: 200 })),
              email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
              website: Type.Optional(Type.String({ maxLength: 200 })),
              startedAt: Type.Optional(Type.Number()),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => {
        const b = request.body;
        if (!request.principal) {
          guard.checkForm(b);
          await guard.spend(request.ip, 'post');
        }
        const scope = await scopeOf(ctx, { region: b.region, municipality: b.municipality });
        const row = await feedback.submit(
          {
            regionId: scope.regionId!,
            municipalityId: b.municipality ? scope.municipalityIds[0]! : null,
            kind: b.kind,
            title: b.title.trim(),
            body: b.body.trim(),
            authorName: b.name?.trim() || null,
            authorEmail: b.email ?? request.principal?.email ?? null,
          },
          actorOf(request.principal, request),
        );
        return reply.status(201).send({ id: row.id });
      },
    );

    app.get(
      '/api/public/feedback',
      {
        schema: {
          tags: ['participation'],
          summary: 'Published feedback and ideas with the answers of the team',
          querystring: Type.Object({
            region: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          }),
          response: { 200: Type.Object({ feedback: Type.Array(PublicFeedback) }), ...errorResponses(404) },
        },
      },
      async (request) => {
        const scope = await scopeOf(ctx, { region: request.query.region });
        const rows = await feedback.listPublished(scope.regionId, request.query.limit);
        return { feedback: rows.map(presentPublic) };
      },
    );

    app.get(
      '/api/participation/feedback',
      {
        schema: {
          tags: ['participation'],
          summary: 'Feedback to moderate: of the regions where the caller is a municipal admin',
          querystring: Type.Object({ status: Type.Optional(Type.Enum(['new', 'published', 'hidden'])) }),
          response: { 200: Type.Object({ feedback: Type.Array(StaffFeedback) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const regionIds = await adminRegionIds(ctx, principal);
        const rows = await feedback.listForRegions(regionIds, request.query.status);
        return { feedback: rows.map(presentStaff) };
      },
    );

    app.post(
      '/api/participation/feedback/:feedbackId/moderation',
      {
        schema: {
          tags: ['participation'],
          summary: 'Answer and publish, or hide, a piece of feedback',
          params: Type.Object({ feedbackId: Type.String({ format: 'uuid' }) }),
          body: Type.Object(
            {
              status: Type.Enum(['published', 'hidden']),
              answer: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
            },
            { additionalProperties: false },
          ),
          response: { 200: StaffFeedback, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const row = await feedback.get(request.params.feedbackId);
        const region = await regionById(ctx, row.region_id);
        if (!participationPolicy.mayEditRegion(principal, region.municipalityIds))
          throw Errors.notFound('Feedback');
        const moderated = await feedback.moderate(
          row,
          { status: request.body.status, answer: request.body.answer?.trim() || null },
          actorOf(principal, request),
        );
        return presentStaff(moderated);
      },
    );
  };
}
