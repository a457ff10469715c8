// Open data: every published Datastream as CSV and JSON for a time range (streamed page by page),
// published sensor locations as GeoJSON, and the DCAT-AP.de catalogue (Turtle, JSON-LD) for GovData
// and CKAN harvesters. Anonymous; only what municipalities published.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PublicRegion } from '@srp/contracts';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal } from '../core/auth/principal.js';
import { Errors } from '../core/errors.js';
import { errorResponses } from '../core/http/schemas.js';
import { dashboardPolicy } from './dashboard.policy.js';
import { catalogueQuads, DEFAULT_LICENCE, toJsonLd, toTurtle } from './dcat.js';
import { OpenDataRepository, type ObservationExportRow } from './open-data.repository.js';

const DAY_MS = 86_400_000;
/** A request covers at most a year and a day; longer series are fetched range by range. */
const MAX_RANGE_DAYS = 366;
/** Rows read per database round trip while streaming. */
const PAGE_ROWS = 5000;

const Scope = Type.Object({
  region: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,63}$' })),
  municipality: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,63}$' })),
});

export function openDataRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const repository = new OpenDataRepository(ctx.db);
  const base = ctx.config.PUBLIC_URL;

  /** Municipality ids selected by region/municipality slug; undefined = everything. */
  async function scopeIds(query: { region?: string; municipality?: string }): Promise<string[] | undefined> {
    if (!query.region && !query.municipality) return undefined;
    const regions: PublicRegion[] = await ctx.tenancy.publicRegions();
    const all = regions.flatMap((r) => r.municipalities);
    if (query.municipality) {
      const found = all.find((m) => m.slug === query.municipality);
      if (!found) throw Errors.notFound('Municipality');
      return [found.id];
    }
    const region = regions.find((r) => r.slug === query.region);
    if (!region) throw Errors.notFound('Region');
    return region.municipalities.map((m) => m.id);
  }

  async function* pages(id: number, from: Date, to: Date): AsyncGenerator<ObservationExportRow[]> {
    let after: { time: Date; id: number } | null = null;
    for (;;) {
      const rows = await repository.observations(id, from, to, after, PAGE_ROWS);
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE_ROWS) return;
      const last = rows[rows.length - 1]!;
      after = { time: last.time, id: last.id };
    }
  }

  return async (app) => {
    for (const format of ['csv', 'json'] as const)
      app.get(
        `/api/open-data/datastreams/:id/observations.${format}`,
        {
          schema: {
            tags: ['open data'],
            summary: `Observations of a published Datastream as ${format.toUpperCase()}`,
            description:
              `Time range [from, to), default the last 7 days, at most ${MAX_RANGE_DAYS} days; streamed in ` +
              'time order. Licence: see the DCAT-AP.de catalogue (default Datenlizenz Deutschland – ' +
              'Namensnennung 2.0).',
            params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
            querystring: Type.Object({
              from: Type.Optional(Type.String({ format: 'date-time' })),
              to: Type.Optional(Type.String({ format: 'date-time' })),
            }),
            response: errorResponses(400, 404),
          },
        },
        async (request, reply) => {
          const [dataset] = await repository.datasets({ id: request.params.id });
          if (!dataset) throw Errors.notFound('Datastream');
          const to = request.query.to ? new Date(request.query.to) : new Date();
          const from = request.query.from
            ? new Date(request.query.from)
            : new Date(to.getTime() - 7 * DAY_MS);
          if (from >= to) throw Errors.validation('from must be before to');
          if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
            throw Errors.validation(`At most ${MAX_RANGE_DAYS} days per request`);
          const rows = pages(dataset.id, from, to);
          const filename = `datastream-${dataset.id}_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}.${format}`;
          void reply
            .header('content-disposition', `attachment; filename="${filename}"`)
            .header('cache-control', 'public, max-age=60')
            .header('link', `<${DEFAULT_LICENCE}>; rel="license"`);
          if (format === 'csv') {
            void reply.type('text/csv; charset=utf-8');
            return reply.send(Readable.from(csvLines(dataset.unit, rows)));
          }
          void reply.type('application/json; charset=utf-8');
          const head = {
            datastream: {
              id: dataset.id,
              name: dataset.name,
              observedProperty: dataset.observedProperty,
              unit: dataset.unit,
              municipality: dataset.municipalityName,
              licence: dataset.licenceUri ?? DEFAULT_LICENCE,
            },
            from: from.toISOString(),
            to: to.toISOString(),
          };
          return reply.send(Readable.from(jsonChunks(head, rows)));
        },
      );

    app.get(
      '/api/open-data/locations.geojson',
      {
        schema: {
          tags: ['open data'],
          summary: 'Published sensor locations as a GeoJSON FeatureCollection',
          description: 'Optionally limited to a `region` or `municipality` (slugs).',
          querystring: Scope,
          response: errorResponses(400, 404),
        },
      },
      async (request, reply) => {
        const locations = await repository.locations(await scopeIds(request.query));
        void reply.type('application/geo+json; charset=utf-8').header('cache-control', 'public, max-age=60');
        return reply.send(
          JSON.stringify({
            type: 'FeatureCollection',
            features: locations.flatMap((l) =>
              l.point
                ? [
                    {
                      type: 'Feature',
                      id: l.id,
                      geometry: { type: 'Point', coordinates: [l.point.longitude, l.point.latitude] },
                      properties: {
                        name: l.name,
                        municipality: l.municipalityName,
                        datastreams: l.datastreams,
                      },
                    },
                  ]
                : [],
            ),
          }),
        );
      },
    );

    for (const format of ['ttl', 'jsonld'] as const)
      app.get(
        `/api/open-data/catalog.${format}`,
        {
          schema: {
            tags: ['open data'],
            summary: `DCAT-AP.de catalogue of the published Datastreams (${format === 'ttl' ? 'Turtle' : 'JSON-LD'})`,
            querystring: Scope,
            response: errorResponses(400, 404),
          },
        },
        async (request, reply) => {
          const ids = await scopeIds(request.query);
          const regions = await ctx.tenancy.publicRegions();
          const name = regions.length === 1 ? `Smart Region ${regions[0]!.name}` : 'Smart Region';
          const quads = catalogueQuads({
            baseUrl: base,
            title: `Offene Sensordaten – ${name}`,
            description: `Messwerte der Sensoren, die die Gemeinden der ${name} veröffentlicht haben.`,
            publisherName: name,
            contributorId: ctx.config.OPEN_DATA_CONTRIBUTOR_ID,
            homepage: `${base}/dashboard`,
            datasets: await repository.datasets(ids ? { municipalityIds: ids } : {}),
            fieldsOfAction: await repository.fieldsOfAction(ids),
          });
          void reply.header('cache-control', 'public, max-age=300');
          if (format === 'ttl') return reply.type('text/turtle; charset=utf-8').send(await toTurtle(quads));
          return reply.type('application/ld+json; charset=utf-8').send(JSON.stringify(toJsonLd(quads)));
        },
      );

    app.put(
      '/api/municipalities/:municipalityId/open-data/licences/:datastreamId',
      {
        schema: {
          tags: ['open data'],
          summary:
            "Choose a Datastream's open-data licence (default Datenlizenz Deutschland – Namensnennung 2.0)",
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            datastreamId: Type.Integer({ minimum: 1 }),
          }),
          body: Type.Object(
            {
              licenceUri: Type.String({ pattern: '^https?://', maxLength: 500 }),
              attribution: Type.Optional(Type.String({ maxLength: 300 })),
            },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, datastreamId } = request.params;
        if (!dashboardPolicy.mayChooseLicences(principal, municipalityId)) throw Errors.forbidden();
        const licence = { uri: request.body.licenceUri, attribution: request.body.attribution ?? null };
        if (!(await repository.setLicence(municipalityId, datastreamId, licence)))
          throw Errors.notFound('Datastream');
        await ctx.audit.record(actorOf(principal, request), {
          action: 'open_data.licence_chosen',
          targetType: 'datastream',
          targetId: String(datastreamId),
          municipalityId,
          details: { licenceUri: licence.uri },
        });
        return reply.code(204).send(null);
      },
    );
  };
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function* csvLines(unit: string | null, pages: AsyncIterable<ObservationExportRow[]>) {
  yield 'phenomenonTime,result,unit\r\n';
  const unitField = csvField(unit ?? '');
  for await (const rows of pages)
    yield rows.map((r) => `${r.time.toISOString()},${csvField(r.value)},${unitField}\r\n`).join('');
}

async function* jsonChunks(head: Record<string, unknown>, pages: AsyncIterable<ObservationExportRow[]>) {
  yield `${JSON.stringify(head).slice(0, -1)},"observations":[`;
  let first = true;
  for await (const rows of pages) {
    yield rows
      .map((r) => {
        const item = `${first ? '' : ','}{"time":${JSON.stringify(r.time.toISOString())},"result":${JSON.stringify(r.value)}}`;
        first = false;
        return item;
      })
      .join('');
  }
  yield ']}';
}
