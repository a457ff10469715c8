// Reports over the JSON API: anonymous or signed-in citizens send and follow reports; staff triage them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal, type Principal } from '../core/auth/principal.js';
import { Errors } from '../core/errors.js';
import type { GetResult } from '../core/files/index.js';
import { errorResponses, MunicipalityParams } from '../core/http/schemas.js';
import { participationPolicy } from './participation.policy.js';
import { scopeOf } from './regions.js';
import { presentPublicComment, presentPublicReport, presentStaffReport } from './reports.presenter.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Status = Type.Enum(['open', 'acknowledged', 'in_progress', 'closed']);
const Location = Type.Object({ latitude: Type.Number(), longitude: Type.Number() });

const PublicReport = Type.Object({
  number: Type.Integer(),
  municipalityId: Type.String(),
  municipalityName: Type.String(),
  category: Type.Object({ code: Type.String(), name: Type.String() }),
  description: Type.String(),
  address: Nullable(Type.String()),
  location: Nullable(Location),
  status: Status,
  statusNote: Nullable(Type.String()),
  duplicateOf: Type.Boolean(),
  photos: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const StaffReport = Type.Object({
  id: Type.String(),
  number: Type.Integer(),
  municipalityId: Type.String(),
  municipalityName: Type.String(),
  category: Type.Object({ code: Type.String(), name: Type.String() }),
  teamId: Nullable(Type.String()),
  description: Type.String(),
  address: Nullable(Type.String()),
  location: Nullable(Location),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  mediaUrl: Nullable(Type.String()),
  status: Status,
  statusNote: Nullable(Type.String()),
  reporter: Type.Object({
    name: Nullable(Type.String()),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
  }),
  duplicateOf: Nullable(Type.String()),
  taskId: Nullable(Type.String()),
  channel: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Category = Type.Object({
  code: Type.String(),
  name: Type.String(),
  description: Type.String(),
  municipalityIds: Type.Array(Type.String()),
});

const NewReport = Type.Object(
  {
    region: Type.Optional(Type.String({ maxLength: 100 })),
    municipality: Type.Optional(Type.String({ maxLength: 100 })),
    category: Type.String({ minLength: 1, maxLength: 63 }),
    description: Type.String({ minLength: 10, maxLength: 5000 }),
    latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    phone: Type.Optional(Type.String({ maxLength: 50 })),
    website: Type.Optional(Type.String({ maxLength: 200, description: 'Honeypot: leave empty' })),
    startedAt: Type.Optional(Type.Number({ description: 'When the form was shown (ms since epoch)' })),
  },
  { additionalProperties: false },
);

const ReportParams = Type.Object({ reportId: Type.String({ format: 'uuid' }) });
const TokenParams = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100 }) });
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/*', 'application/octet-stream'];

/** Streams a stored image with the headers a browser needs; private ones are not cached by proxies. */
export function sendImage(reply: FastifyReply, file: GetResult, visibility: 'public' | 'private') {
  return reply
    .header('content-type', file.contentType)
    .header('content-length', String(file.size))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', visibility === 'public' ? 'public, max-age=300' : 'private, no-store')
    .send(file.stream);
}

export function reportRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { reports, guard } = ctx.participation;
  const photoLimit = ctx.config.PARTICIPATION_PHOTO_MAX_MB * 1024 * 1024;

  async function staffReport(principal: Principal, reportId: string) {
    return reports.get(participationPolicy.reportMunicipalities(principal), reportId);
  }

  return async (app) => {
    // Photos arrive as the raw image body: no multipart parser, and the type is sniffed from the bytes.
    app.addContentTypeParser(
      PHOTO_TYPES,
      { parseAs: 'buffer', bodyLimit: photoLimit + 1 },
      (_req, body, done) => done(null, body),
    );

    app.get(
      '/api/public/report-categories',
      {
        schema: {
          tags: ['participation'],
          summary: 'Report categories of a region or municipality (codes are shared across municipalities)',
          querystring: Type.Object({
            region: Type.Optional(Type.String({ maxLength: 100 })),
            municipality: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: { 200: Type.Object({ categories: Type.Array(Category) }), ...errorResponses(404) },
        },
      },
      async (request) => {
        const scope = await scopeOf(ctx, request.query);
        const byCode = new Map<
          string,
          { code: string; name: string; description: string; municipalityIds: string[] }
        >();
        for (const c of await reports.categoriesOf(scope.municipalityIds)) {
          const entry = byCode.get(c.code) ?? {
            code: c.code,
            name: c.name,
            description: c.description,
            municipalityIds: [],
          };
          entry.municipalityIds.push(c.municipality_id);
          byCode.set(c.code, entry);
        }
        return { categories: [...byCode.values()].sort((a, b) => a.name.localeCompare(b.name, 'de')) };
      },
    );

    app.get(
      '/api/public/boundaries',
      {
        schema: {
          tags: ['participation'],
          summary: 'Municipality boundaries (GeoJSON FeatureCollection) of a region, for the report map',
          querystring: Type.Object({ region: Type.Optional(Type.String({ maxLength: 100 })) }),
          response: {
            200: Type.Object({
              type: Type.Literal('FeatureCollection'),
              features: Type.Array(
                Type.Object({
                  type: Type.Literal('Feature'),
                  id: Type.String(),
                  geometry: Type.Unknown(),
                  properties: Type.Object({ name: Type.String() }),
                }),
              ),
            }),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(ctx, request.query);
        const regions = await ctx.tenancy.publicRegions();
        const names = new Map(regions.flatMap((r) => r.municipalities.map((m) => [m.id, m.name] as const)));
        const rows = await reports.boundaries(scope.municipalityIds);
        void reply.header('cache-control', 'public, max-age=300');
        return {
          type: 'FeatureCollection' as const,
          features: rows.map((row) => ({
            type: 'Feature' as const,
            id: row.municipality_id,
            geometry: row.geometry,
            properties: { name: names.get(row.municipality_id) ?? '' },
          })),
        };
      },
    );

    app.post(
      '/api/public/reports',
      {
        schema: {
          tags: ['participation'],
          summary: 'Report a problem, with or without an account; answers the tracking token once',
          body: NewReport,
          response: {
            201: Type.Object({
              number: Type.Integer(),
              municipalityName: Type.String(),
              trackingToken: Type.String(),
              trackingUrl: Type.String(),
            }),
            ...errorResponses(400, 404, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const principal = request.principal;
        if (!principal) {
          guard.checkForm(body);
          await guard.spend(request.ip, 'post');
        }
        const scope = await scopeOf(ctx, body);
        const { report, token } = await reports.submit(
          {
            candidateMunicipalityIds: scope.municipalityIds,
            categoryCode: body.category,
            description: body.description.trim(),
            latitude: body.latitude ?? null,
            longitude: body.longitude ?? null,
            address: body.address?.trim() || null,
            reporterName: body.name?.trim() || null,
            reporterEmail: body.email ?? (principal ? principal.email : null),
            reporterPhone: body.phone?.trim() || null,
            reporterUserId: principal?.userId ?? null,
            channel: 'web',
          },
          actorOf(principal, request),
        );
        return reply.status(201).send({
          number: report.number,
          municipalityName: report.municipality_name,
          trackingToken: token,
          trackingUrl: reports.trackingUrl(token),
        });
      },
    );

    app.post(
      '/api/public/reports/tracking/:token/photos',
      {
        schema: {
          tags: ['participation'],
          summary: 'Add a photo (raw JPEG or PNG body) to a report; EXIF and other metadata are removed',
          params: TokenParams,
          response: {
            201: Type.Object({ id: Type.String() }),
            ...errorResponses(400, 404, 409, 413, 415, 429),
          },
        },
        bodyLimit: photoLimit + 1,
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) throw Errors.unsupportedMediaType();
        const report = await reports.byToken(request.params.token);
        if (!request.principal) await guard.spend(request.ip, 'photo');
        const photo = await reports.addPhoto(report, request.body, actorOf(request.principal, request));
        return reply.status(201).send({ id: photo.id });
      },
    );

    app.get(
      '/api/public/reports/tracking/:token',
      {
        schema: {
          tags: ['participation'],
          summary: 'Follow one report with its tracking token: status and public answers',
          params: TokenParams,
          response: {
            200: Type.Object({
              report: PublicReport,
              comments: Type.Array(Type.Object({ body: Type.String(), createdAt: Type.String() })),
              photosWaiting: Type.Integer(),
            }),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const report = await reports.byToken(request.params.token);
        const [photos, comments] = await Promise.all([
          reports.photos(report, false),
          reports.comments(report, true),
        ]);
        void reply.header('cache-control', 'private, no-store').header('referrer-policy', 'no-referrer');
        return {
          report: presentPublicReport(report, photos),
          comments: comments.map(presentPublicComment),
          photosWaiting: photos.filter((p) => !p.approved).length,
        };
      },
    );

    app.get(
      '/api/public/reports',
      {
        schema: {
          tags: ['participation'],
          summary: 'Public list and map of reports with their status (no personal data)',
          querystring: Type.Object({
            region: Type.Optional(Type.String({ maxLength: 100 })),
            municipality: Type.Optional(Type.String({ maxLength: 100 })),
            status: Type.Optional(Type.Array(Status, { maxItems: 4 })),
            category: Type.Optional(Type.String({ maxLength: 63 })),
            number: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
          }),
          response: { 200: Type.Object({ reports: Type.Array(PublicReport) }), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const scope = await scopeOf(ctx, q);
        const rows = await reports.list({
          municipalityIds: scope.municipalityIds,
          statuses: q.status,
          categoryCode: q.category,
          numbers: q.number ? [q.number] : undefined,
          includeDuplicates: q.number !== undefined,
          limit: q.limit,
          offset: q.offset,
        });
        const photos = await reports.approvedPhotos(rows.map((r) => r.id));
        void reply.header('cache-control', 'public, max-age=15');
        return { reports: rows.map((r) => presentPublicReport(r, photos)) };
      },
    );

    app.get(
      '/api/public/reports/photos/:photoId',
      {
        schema: {
          tags: ['participation'],
          summary: 'A photo of a report, once staff approved it',
          params: Type.Object({ photoId: Type.String({ format: 'uuid' }) }),
        },
      },
      async (request, reply) => {
        const { file } = await reports.photoFile(request.params.photoId, (p) => p.approved);
        return sendImage(reply, file, 'public');
      },
    );

    // --- staff

    app.get(
      '/api/participation/reports',
      {
        schema: {
          tags: ['participation'],
          summary: 'Reports of the municipalities the caller works for',
          querystring: Type.Object({
            municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Type.Array(Status, { maxItems: 4 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
          }),
          response: { 200: Type.Object({ reports: Type.Array(StaffReport) }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        const rows = await reports.list({
          municipalityIds: participationPolicy.reportMunicipalities(principal),
          municipalityId: q.municipalityId,
          statuses: q.status,
          includeDuplicates: true,
          limit: q.limit,
          offset: q.offset,
        });
        return { reports: rows.map(presentStaffReport) };
      },
    );

    app.get(
      '/api/participation/reports/:reportId',
      {
        schema: {
          tags: ['participation'],
          summary: 'One report with all comments and photos',
          params: ReportParams,
          response: {
            200: Type.Object({
              report: StaffReport,
              comments: Type.Array(
                Type.Object({
                  id: Type.String(),
                  visibility: Type.Enum(['public', 'internal']),
                  author: Nullable(Type.String()),
                  body: Type.String(),
                  createdAt: Type.String(),
                }),
              ),
              photos: Type.Array(
                Type.Object({ id: Type.String(), approved: Type.Boolean(), url: Type.String() }),
              ),
            }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        const [comments, photos] = await Promise.all([
          reports.comments(report, false),
          reports.photos(report, false),
        ]);
        return {
          report: presentStaffReport(report),
          comments: comments.map((c) => ({
            id: c.id,
            visibility: c.visibility,
            author: c.author_name,
            body: c.body,
            createdAt: c.created_at.toISOString(),
          })),
          photos: photos.map((p) => ({
            id: p.id,
            approved: p.approved,
            url: `/api/participation/reports/${report.id}/photos/${p.id}`,
          })),
        };
      },
    );

    app.get(
      '/api/participation/reports/:reportId/photos/:photoId',
      {
        schema: {
          tags: ['participation'],
          summary: 'A photo of a report for staff, approved or not',
          params: Type.Object({
            reportId: Type.String({ format: 'uuid' }),
            photoId: Type.String({ format: 'uuid' }),
          }),
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        const { file } = await reports.photoFile(request.params.photoId, (p) => p.report_id === report.id);
        return sendImage(reply, file, 'private');
      },
    );

    app.patch(
      '/api/participation/reports/:reportId',
      {
        schema: {
          tags: ['participation'],
          summary: 'Triage: change status, public status note or category (which re-routes to its team)',
          params: ReportParams,
          body: Type.Object(
            {
              status: Type.Optional(Status),
              statusNote: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
              category: Type.Optional(Type.String({ maxLength: 63 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: StaffReport, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        if (!participationPolicy.mayTriageReports(principal, report.municipality_id))
          throw Errors.forbidden();
        const { status, statusNote, category } = request.body;
        const changed = await reports.change(
          report,
          {
            ...(status ? { status } : {}),
            ...(statusNote !== undefined ? { statusNote } : {}),
            ...(category ? { categoryCode: category } : {}),
          },
          actorOf(principal, request),
        );
        return presentStaffReport(changed);
      },
    );

    app.post(
      '/api/participation/reports/:reportId/comments',
      {
        schema: {
          tags: ['participation'],
          summary: 'Comment on a report: public (the reporter is told by e-mail) or internal',
          params: ReportParams,
          body: Type.Object(
            {
              visibility: Type.Enum(['public', 'internal']),
              body: Type.String({ minLength: 1, maxLength: 5000 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        if (!participationPolicy.mayTriageReports(principal, report.municipality_id))
          throw Errors.forbidden();
        const comment = await reports.comment(
          report,
          request.body.visibility,
          request.body.body,
          actorOf(principal, request),
        );
        return reply.status(201).send({ id: comment.id });
      },
    );

    app.post(
      '/api/participation/reports/:reportId/merge',
      {
        schema: {
          tags: ['participation'],
          summary: 'Close the report as a duplicate of another report of the same municipality',
          params: ReportParams,
          body: Type.Object({ into: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
          response: { 200: StaffReport, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const duplicate = await staffReport(principal, request.params.reportId);
        if (!participationPolicy.mayTriageReports(principal, duplicate.municipality_id))
          throw Errors.forbidden();
        const original = await staffReport(principal, request.body.into);
        return presentStaffReport(await reports.merge(duplicate, original, actorOf(principal, request)));
      },
    );

    app.post(
      '/api/participation/reports/:reportId/task',
      {
        schema: {
          tags: ['participation'],
          summary:
            'Put the report into the work inbox of its team (the building yard); idempotent while open',
          params: ReportParams,
          body: Type.Object(
            {
              priority: Type.Optional(Type.Enum(['low', 'normal', 'high', 'urgent'])),
              teamId: Type.Optional(Type.String({ format: 'uuid' })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ taskId: Type.String(), workListUrl: Type.String() }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        if (!participationPolicy.mayTriageReports(principal, report.municipality_id))
          throw Errors.forbidden();
        const { teamId, priority } = request.body;
        if (teamId && !(await ctx.tenancy.listOrgUnits(report.municipality_id)).some((u) => u.id === teamId))
          throw Errors.validation('The team does not belong to this municipality');
        const task = await reports.createTask(
          report,
          { ...(priority ? { priority } : {}), ...(teamId ? { teamId } : {}) },
          actorOf(principal, request),
        );
        return reply
          .status(201)
          .send({ taskId: task.id, workListUrl: `/verwaltung/aufgaben?task=${task.id}` });
      },
    );

    app.post(
      '/api/participation/reports/:reportId/photos/:photoId/approval',
      {
        schema: {
          tags: ['participation'],
          summary: 'Approve a photo for the public (or withdraw the approval)',
          params: Type.Object({
            reportId: Type.String({ format: 'uuid' }),
            photoId: Type.String({ format: 'uuid' }),
          }),
          body: Type.Object({ approved: Type.Boolean() }, { additionalProperties: false }),
          response: {
            200: Type.Object({ id: Type.String(), approved: Type.Boolean() }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const report = await staffReport(principal, request.params.reportId);
        if (!participationPolicy.mayTriageReports(principal, report.municipality_id))
          throw Errors.forbidden();
        const photo = await reports.setPhotoApproval(
          report,
          request.params.photoId,
          request.body.approved,
          actorOf(principal, request),
        );
        return { id: photo.id, approved: photo.approved };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/report-categories',
      {
        schema: {
          tags: ['participation'],
          summary: 'Report categories of a municipality, inactive ones included',
          params: MunicipalityParams,
          response: {
            200: Type.Object({
              categories: Type.Array(
                Type.Object({
                  id: Type.String(),
                  code: Type.String(),
                  name: Type.String(),
                  description: Type.String(),
                  teamId: Nullable(Type.String()),
                  active: Type.Boolean(),
                }),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!participationPolicy.mayViewReports(principal, municipalityId)) throw Errors.forbidden();
        const rows = await reports.categories(municipalityId, false);
        return {
          categories: rows.map((c) => ({
            id: c.id,
            code: c.code,
            name: c.name,
            description: c.description,
            teamId: c.team_id,
            active: c.active,
          })),
        };
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/report-categories/:code',
      {
        schema: {
          tags: ['participation'],
          summary: 'Create or change a report category and the team it is routed to',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            code: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
          }),
          body: Type.Object(
            {
              name: Type.String({ minLength: 2, maxLength: 100 }),
              description: Type.Optional(Type.String({ maxLength: 1000 })),
              keywords: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
              teamId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
              active: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, code } = request.params;
        if (!participationPolicy.mayManageCategories(principal, municipalityId)) throw Errors.forbidden();
        const b = request.body;
        if (b.teamId && !(await ctx.tenancy.listOrgUnits(municipalityId)).some((u) => u.id === b.teamId))
          throw Errors.validation('The team does not belong to this municipality');
        const category = await reports.saveCategory(
          {
            municipalityId,
            code,
            name: b.name,
            description: b.description ?? '',
            keywords: b.keywords ?? [],
            teamId: b.teamId ?? null,
            attributes: [],
            active: b.active ?? true,
          },
          actorOf(principal, request),
        );
        return { id: category.id };
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/boundary',
      {
        schema: {
          tags: ['participation'],
          summary:
            'Set the boundary (GeoJSON Polygon or MultiPolygon) that routes reports to the municipality',
          params: MunicipalityParams,
          body: Type.Object({ geometry: Type.Unknown() }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!participationPolicy.mayManageCategories(principal, municipalityId)) throw Errors.forbidden();
        await reports.setBoundary(municipalityId, request.body.geometry, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );
  };
}
