// Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, service requests
// (read and create) and tokens, in JSON and XML. One jurisdiction per municipality (jurisdiction_id =
// its slug); without one, the whole platform is one endpoint and location decides. Creating needs an
// API key of the platform (api_key); reading is public and never shows personal data.
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { hasScope } from '../../core/auth/principal.js';
import { systemActor } from '../../core/audit/audit.service.js';
import type { ReportStatus } from '../../core/db/schema.js';
import {
  attributesOf,
  CONTENT_TYPE,
  open311Error,
  presentRequest,
  presentService,
  presentServiceDefinition,
  render,
  renderError,
  splitFormat,
  type Format,
} from './open311.format.js';

const SPEC = 'http://wiki.open311.org/GeoReport_v2';
const DEFAULT_DAYS = 90;
const MAX_REQUESTS = 1000;
type Params = Record<string, string>;

function formatOf(request: FastifyRequest): Format {
  return request.url.split('?')[0]!.endsWith('.xml') ? 'xml' : 'json';
}

function send(
  reply: FastifyReply,
  format: Format,
  status: number,
  root: string,
  item: string | null,
  value: unknown,
) {
  return reply
    .status(status)
    .header('content-type', CONTENT_TYPE[format])
    .send(render(format, root, item, value));
}

function dateParam(value: string | undefined, name: string): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw open311Error(400, `${name} is not a valid w3c date-time`);
  return date;
}

export function open311Routes(ctx: AppContext): FastifyPluginAsync {
  const { reports } = ctx.participation;
  const photoLimit = ctx.config.PARTICIPATION_PHOTO_MAX_MB * 1024 * 1024;

  async function jurisdiction(params: Params): Promise<{ municipalityIds: string[] }> {
    const regions = await ctx.tenancy.publicRegions();
    const all = regions.flatMap((r) => r.municipalities);
    const id = params.jurisdiction_id;
    if (!id) return { municipalityIds: all.map((m) => m.id) };
    const municipality = all.find((m) => m.slug === id || m.id === id);
    if (!municipality) throw open311Error(404, `Unknown jurisdiction_id ${id}`);
    return { municipalityIds: [municipality.id] };
  }

  /** One service per code; with several municipalities the first one's wording is used. */
  async function services(params: Params) {
    const { municipalityIds } = await jurisdiction(params);
    const byCode = new Map<string, Awaited<ReturnType<typeof reports.categoriesOf>>[number]>();
    for (const c of await reports.categoriesOf(municipalityIds))
      if (!byCode.has(c.code)) byCode.set(c.code, c);
    return { municipalityIds, categories: [...byCode.values()] };
  }

  return async (app) => {
    // GeoReport v2 posts form-encoded bodies; attribute[code]=value pairs keep their brackets.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    // The common GeoReport v2 extension: multipart/form-data with the photo as a `media` file part.
    await app.register(multipart, {
      limits: { fileSize: photoLimit + 1, files: 1, fields: 100, fieldSize: 64 * 1024 },
    });
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = renderError(formatOf(request), error);
      if (status >= 500) request.log.error({ err: error }, 'open311 request failed');
      return reply.status(status).header('content-type', CONTENT_TYPE[formatOf(request)]).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      const { status, body } = renderError(formatOf(request), open311Error(404, 'Unknown Open311 resource'));
      return reply.status(status).header('content-type', CONTENT_TYPE[formatOf(request)]).send(body);
    });

    app.get('/:file', async (request, reply) => {
      const file = splitFormat((request.params as Params).file ?? '');
      const query = request.query as Params;
      if (!file) throw open311Error(404, 'Unknown Open311 resource');
      const { name, format } = file;
      if (name === 'discovery') {
        void reply.header('cache-control', 'public, max-age=3600');
        return send(reply, format, 200, 'discovery', null, {
          changeset: '2026-01-01T00:00:00Z',
          contact: 'Smart Region – Mängelmelder',
          key_service: `${ctx.config.PUBLIC_URL}/verwaltung`,
          endpoints: [
            {
              specification: SPEC,
              url: `${ctx.config.PUBLIC_URL}/open311/v2`,
              changeset: '2026-01-01T00:00:00Z',
              type: 'production',
              formats: ['application/json', 'text/xml'],
            },
          ],
        });
      }
      if (name === 'services') {
        const { categories } = await services(query);
        return send(reply, format, 200, 'services', 'service', categories.map(presentService));
      }
      if (name === 'requests') {
        const { municipalityIds } = await jurisdiction(query);
        const ids = query.service_request_id
          ? query.service_request_id.split(',').map((s) => Number(s.trim()))
          : undefined;
        if (ids?.some((n) => !Number.isSafeInteger(n) || n < 1))
          throw open311Error(400, 'service_request_id must be a comma-separated list of numbers');
        let from = dateParam(query.start_date, 'start_date');
        const until = dateParam(query.end_date, 'end_date');
        if (!ids && !from && !until) from = new Date(Date.now() - DEFAULT_DAYS * 86_400_000);
        let statuses: ReportStatus[] | undefined;
        if (query.status) {
          statuses = [];
          for (const s of query.status.split(',').map((x) => x.trim())) {
            if (s === 'open') statuses.push('open', 'acknowledged', 'in_progress');
            else if (s === 'closed') statuses.push('closed');
            else throw open311Error(400, 'status must be open, closed or both');
          }
        }
        const rows = await reports.list({
          municipalityIds,
          numbers: ids,
          categoryCode: query.service_code,
          from,
          until,
          statuses,
          includeDuplicates: true,
          limit: MAX_REQUESTS,
        });
        const photos = await reports.approvedPhotos(rows.map((r) => r.id));
        return send(
          reply,
          format,
          200,
          'service_requests',
          'request',
          rows.map((r) => presentRequest(r, photos, ctx.config.PUBLIC_URL)),
        );
      }
      throw open311Error(404, 'Unknown Open311 resource');
    });

    app.get('/services/:file', async (request, reply) => {
      const file = splitFormat((request.params as Params).file ?? '');
      if (!file) throw open311Error(404, 'Unknown Open311 resource');
      const { categories } = await services(request.query as Params);
      const category = categories.find((c) => c.code === file.name);
      if (!category) throw open311Error(404, `Unknown service_code ${file.name}`);
      return send(reply, file.format, 200, 'service_definition', null, presentServiceDefinition(category));
    });

    app.get('/requests/:file', async (request, reply) => {
      const file = splitFormat((request.params as Params).file ?? '');
      if (!file) throw open311Error(404, 'Unknown Open311 resource');
      const number = Number(file.name);
      if (!Number.isSafeInteger(number) || number < 1) throw open311Error(404, 'Unknown service_request_id');
      const { municipalityIds } = await jurisdiction(request.query as Params);
      const rows = await reports.list({
        municipalityIds,
        numbers: [number],
        includeDuplicates: true,
        limit: 1,
      });
      if (rows.length === 0) throw open311Error(404, `Unknown service_request_id ${number}`);
      const photos = await reports.approvedPhotos(rows.map((r) => r.id));
      return send(
        reply,
        file.format,
        200,
        'service_requests',
        'request',
        rows.map((r) => presentRequest(r, photos, ctx.config.PUBLIC_URL)),
      );
    });

    app.get('/tokens/:file', async (request, reply) => {
      const file = splitFormat((request.params as Params).file ?? '');
      if (!file) throw open311Error(404, 'Unknown Open311 resource');
      const report = await reports.byToken(file.name).catch(() => {
        throw open311Error(404, 'Unknown token');
      });
      return send(reply, file.format, 200, 'service_requests', 'request', [
        { service_request_id: String(report.number), token: file.name },
      ]);
    });

    app.post('/:file', async (request, reply) => {
      const file = splitFormat((request.params as Params).file ?? '');
      if (!file || file.name !== 'requests') throw open311Error(404, 'Unknown Open311 resource');
      let body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Params;
      let media: Buffer | null = null;
      if (request.isMultipart()) {
        body = {};
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const bytes = await part.toBuffer();
            if (part.fieldname === 'media') media = bytes;
          } else if (typeof part.value === 'string') body[part.fieldname] = part.value;
        }
      }
      const params: Params = { ...(request.query as Params), ...body };
      const principal = params.api_key ? await ctx.auth.principalFromBearer(params.api_key) : null;
      if (!principal || !hasScope(principal, 'api')) throw open311Error(403, 'Invalid or missing api_key');
      if (!params.service_code) throw open311Error(400, 'service_code is required');
      const latitude = params.lat !== undefined && params.lat !== '' ? Number(params.lat) : null;
      const longitude = params.long !== undefined && params.long !== '' ? Number(params.long) : null;
      if (
        (latitude === null) !== (longitude === null) ||
        (latitude !== null && (!(Math.abs(latitude) <= 90) || !(Math.abs(longitude!) <= 180)))
      )
        throw open311Error(400, 'lat and long must both be given as valid coordinates');
      const address = params.address_string?.trim() || null;
      if (latitude === null && !address)
        throw open311Error(400, 'A location is required: lat and long, or address_string');
      const description = params.description?.trim() ?? '';
      if (description.length === 0 || description.length > 4000)
        throw open311Error(400, 'description is required (at most 4000 characters)');
      if (params.media_url && !/^https?:\/\/\S{1,2000}$/.test(params.media_url))
        throw open311Error(400, 'media_url must be an http(s) URL');
      if (params.email && !/^[^\s@]{1,200}@[^\s@]{1,200}$/.test(params.email))
        throw open311Error(400, 'email is not valid');

      const { municipalityIds, categories } = await services(params);
      const category = categories.find((c) => c.code === params.service_code);
      if (!category) throw open311Error(404, `Unknown service_code ${params.service_code}`);
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(params)) {
        const match = /^attribute\[(.+)\]$/.exec(key);
        if (match) attributes[match[1]!] = value;
      }
      for (const a of attributesOf(category)) {
        const value = attributes[a.code];
        if (a.required && a.variable && !value) throw open311Error(400, `attribute[${a.code}] is required`);
        if (value && a.values && !a.values.some((v) => v.key === value))
          throw open311Error(400, `attribute[${a.code}] has no value ${value}`);
      }
      // The photo is checked before the report exists, so a bad file leaves nothing behind.
      const photo = media ? await reports.cleanPhoto(media) : null;
      const name = [params.first_name, params.last_name].filter(Boolean).join(' ').trim();
      const actor = {
        ...systemActor(`open311 (${principal.email})`),
        userId: principal.userId,
        ip: request.ip,
        requestId: request.id,
      };
      const { report, token } = await reports.submit(
        {
          candidateMunicipalityIds: municipalityIds,
          categoryCode: category.code,
          description,
          latitude,
          longitude,
          address,
          attributes,
          mediaUrl: params.media_url ?? null,
          reporterName: name || null,
          reporterEmail: params.email ?? null,
          reporterPhone: params.phone ?? null,
          reporterUserId: null,
          channel: 'open311',
        },
        actor,
      );
      if (photo) await reports.addPhoto(report, photo, actor);
      return send(reply, file.format, 201, 'service_requests', 'request', [
        { service_request_id: String(report.number), token, service_notice: '', account_id: '' },
      ]);
    });
  };
}
