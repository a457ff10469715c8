// HTTP API of the time-series storage: latest values, rollup aggregates and compact bulk ingestion.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import type { AppContext } from '../../context.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { AppError, Errors, isAppError } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import type { ObservationInput, StoredObservation } from './observation.types.js';
import { observationPolicy } from './observation.policy.js';
import { ROLLUP_TIME_ZONE, ROLLUP_WIDTHS } from './rollup-buckets.js';
import { LatestValuesCache, type LatestSelection } from './latest-cache.js';
import { TimeseriesRepository } from './timeseries.repository.js';

/** At most this many ids per latest-value request (the URL stays below common proxy limits). */
export const LATEST_MAX_IDS = 1000;
const AGGREGATE_MAX_LIMIT = 5000;

const LatestQuery = Type.Object({
  datastream: Type.Optional(
    Type.Array(Type.String({ pattern: '^[0-9]{1,15}(,[0-9]{1,15})*$', maxLength: 16_000 }), {
      maxItems: LATEST_MAX_IDS,
    }),
  ),
  multidatastream: Type.Optional(
    Type.Array(Type.String({ pattern: '^[0-9]{1,15}(,[0-9]{1,15})*$', maxLength: 16_000 }), {
      maxItems: LATEST_MAX_IDS,
    }),
  ),
  municipality: Type.Optional(Type.String({ format: 'uuid' })),
});

const MultiLatestEntry = Type.Object({
  id: Type.Integer(),
  time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  value: Type.Unknown({
    description: 'The array result of the newest Observation (one value per component)',
  }),
  units: Type.Array(Type.Union([Type.String(), Type.Null()]), {
    description: "Each component's unit symbol (or name), in the order of the results",
  }),
});

const Bucket = Type.Object({
  count: Type.Integer(),
  avg: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
  sum: Type.Number(),
});

const MultiAggregateResponse = Type.Object({
  multiDatastreamId: Type.Integer(),
  interval: Type.Enum([...ROLLUP_WIDTHS]),
  timeZone: Type.String({ description: 'Time zone of day and month buckets; 5min and hour are UTC' }),
  units: Type.Array(Type.Union([Type.String(), Type.Null()])),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      components: Type.Array(Type.Union([Bucket, Type.Null()]), {
        description: 'One entry per component (null: no numeric value of it in this bucket)',
      }),
    }),
  ),
  next: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Pass as `from` for the next page; null on the last page',
  }),
});

const LatestEntry = Type.Object({
  id: Type.Integer(),
  time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  value: Type.Unknown({ description: 'The numeric result, or the JSON result of non-numeric observations' }),
  unit: Type.Union([Type.String(), Type.Null()], { description: "The unit's symbol (or name)" }),
});

const AggregateQuery = Type.Object({
  interval: Type.Enum([...ROLLUP_WIDTHS]),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'First bucket start (inclusive)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Last bucket start (exclusive)' })),
  limit: Type.Integer({ minimum: 1, maximum: AGGREGATE_MAX_LIMIT, default: 1000 }),
});

const AggregateResponse = Type.Object({
  datastreamId: Type.Integer(),
  interval: Type.Enum([...ROLLUP_WIDTHS]),
  timeZone: Type.String({ description: 'Time zone of day and month buckets; 5min and hour are UTC' }),
  unit: Type.Union([Type.String(), Type.Null()]),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      count: Type.Integer(),
      avg: Type.Number(),
      min: Type.Number(),
      max: Type.Number(),
      sum: Type.Number(),
    }),
  ),
  next: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Pass as `from` for the next page; null on the last page',
  }),
});

const BulkBody = Type.Object(
  {
    municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
    datastreams: Type.Array(
      Type.Object(
        {
          id: Type.Integer({ minimum: 1 }),
          observations: Type.Array(Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }), {
            minItems: 1,
            description: '[phenomenonTime (ISO 8601 with offset), result] pairs',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function observationRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const timeseries = new TimeseriesRepository(ctx.db);
  const publicMaxAge = ctx.config.SENSOR_LATEST_MAX_AGE_SECONDS;

  return async (app) => {
    const latestCache = new LatestValuesCache(timeseries);
    await latestCache.start(ctx.database);
    // Our own writes count at once; the NOTIFY of the commit follows a moment later.
    const onStored = (stored: StoredObservation[]) =>
      latestCache.changed(
        stored.flatMap((o) => (o.datastreamId !== null ? [o.datastreamId] : [])),
        stored.flatMap((o) => (o.multiDatastreamId !== null ? [o.multiDatastreamId] : [])),
      );
    ctx.observations.events.on('stored', onStored);
    app.addHook('onClose', async () => {
      ctx.observations.events.off('stored', onStored);
      await latestCache.stop();
    });

    app.get(
      '/api/sensors/latest',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Latest value of each Datastream',
          description:
            `Either \`datastream\` and/or \`multidatastream\` ids (repeated or comma-separated, at most ` +
            `${LATEST_MAX_IDS} each) or \`municipality\` (all of its visible Datastreams and MultiDatastreams). ` +
            '`multiDatastreams` is present when MultiDatastreams were asked for. Anonymous callers see published Datastreams; staff also the ' +
            'unpublished ones of their municipality. Ids that are unknown or not visible are left out. Strong ' +
            'ETag, 304 on If-None-Match.',
          querystring: LatestQuery,
          response: {
            200: Type.Object({
              datastreams: Type.Array(LatestEntry),
              multiDatastreams: Type.Optional(Type.Array(MultiLatestEntry)),
            }),
            304: Type.Null({ description: 'Not modified' }),
            ...errorResponses(400),
          },
        },
      },
      async (request, reply) => {
        const { datastream, multidatastream, municipality } = request.query;
        const byIds = datastream !== undefined || multidatastream !== undefined;
        if (byIds === (municipality !== undefined))
          throw Errors.validation('Give either (multi)datastream ids or a municipality');
        let selection: LatestSelection;
        if (byIds) {
          const ids = idList(datastream);
          const multiIds = idList(multidatastream);
          if (ids.length > LATEST_MAX_IDS || multiIds.length > LATEST_MAX_IDS)
            throw Errors.validation(`At most ${LATEST_MAX_IDS} datastreams per request`);
          selection = multidatastream === undefined ? { ids } : { ids, multiIds };
        } else selection = { municipalityId: municipality! };

        const principal = request.principal;
        const answer = await latestCache.get(selection, observationPolicy.readVisibility(principal));
        // Pre-compressed once per answer: the dashboard's phones get ~10x fewer bytes at no CPU per request.
        const gzip = acceptsGzip(request.headers['accept-encoding']);
        const { body, etag } = gzip ? await latestCache.gzipped(answer) : answer;
        void reply
          .header('etag', etag)
          .header('vary', 'Accept-Encoding, Authorization, Cookie')
          // Anonymous answers are the same for everybody, so proxies and browsers may keep them a little.
          .header('cache-control', principal ? 'private, no-cache' : `public, max-age=${publicMaxAge}`);
        if (answer.lastModified) void reply.header('last-modified', answer.lastModified);
        if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send(undefined as never);
        if (gzip) void reply.header('content-encoding', 'gzip');
        // Already serialised (and hashed for the ETag): send the bytes as they are.
        return reply.type('application/json; charset=utf-8').send(body as never);
      },
    );

    app.get(
      '/api/sensors/datastreams/:id/aggregates',
      {
        schema: {
          tags: ['sensors'],
          summary: 'avg/min/max/sum/count of a Datastream per 5 min, hour, day or month',
          description:
            `From rollups maintained at ingest. 5min and hour buckets are UTC; day and month buckets are ` +
            `calendar days and months in ${ROLLUP_TIME_ZONE}. Public for published Datastreams. Pages of at ` +
            `most \`limit\` buckets (max ${AGGREGATE_MAX_LIMIT}); continue with \`from=next\`.`,
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          querystring: AggregateQuery,
          response: { 200: AggregateResponse, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { interval, limit } = request.query;
        const from = request.query.from ? new Date(request.query.from) : null;
        const to = request.query.to ? new Date(request.query.to) : null;
        const access = await timeseries.datastreamAccess(id);
        if (!access || !observationPolicy.mayRead(request.principal, access.municipalityId, access.published))
          throw Errors.notFound('Datastream');
        const rows = await timeseries.rollups(id, interval, from, to, limit + 1);
        const page = rows.slice(0, limit);
        void reply.header(
          'cache-control',
          request.principal ? 'private, no-cache' : `public, max-age=${Math.max(publicMaxAge, 60)}`,
        );
        const unit = access.unit as { symbol?: unknown; name?: unknown } | null;
        return {
          datastreamId: id,
          interval,
          timeZone: interval === 'day' || interval === 'month' ? ROLLUP_TIME_ZONE : 'UTC',
          unit:
            typeof unit?.symbol === 'string'
              ? unit.symbol
              : typeof unit?.name === 'string'
                ? unit.name
                : null,
          buckets: page.map((r) => ({
            start: r.start.toISOString(),
            count: r.count,
            avg: r.sum / r.count,
            min: r.min,
            max: r.max,
            sum: r.sum,
          })),
          next: rows.length > limit ? rows[limit]!.start.toISOString() : null,
        };
      },
    );

    app.get(
      '/api/sensors/multidatastreams/:id/aggregates',
      {
        schema: {
          tags: ['sensors'],
          summary:
            'avg/min/max/sum/count of each component of a MultiDatastream per 5 min, hour, day or month',
          description:
            'Like the Datastream aggregates, per component (the position in the array results, which is ' +
            'the order of `multiObservationDataTypes`, `unitOfMeasurements` and the ObservedProperties). ' +
            `Non-numeric components have no values. Pages of at most \`limit\` buckets (max ${AGGREGATE_MAX_LIMIT}).`,
          params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
          querystring: AggregateQuery,
          response: { 200: MultiAggregateResponse, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { interval, limit } = request.query;
        const from = request.query.from ? new Date(request.query.from) : null;
        const to = request.query.to ? new Date(request.query.to) : null;
        const access = await timeseries.multiDatastreamAccess(id);
        if (!access || !observationPolicy.mayRead(request.principal, access.municipalityId, access.published))
          throw Errors.notFound('MultiDatastream');
        const rows = await timeseries.multiRollups(id, interval, from, to, limit + 1);
        const units = Array.isArray(access.units) ? access.units.map(unitLabel) : [];
        const buckets: { start: string; components: (Static<typeof Bucket> | null)[] }[] = [];
        for (const r of rows) {
          const start = r.start.toISOString();
          if (buckets.at(-1)?.start !== start) buckets.push({ start, components: units.map(() => null) });
          const components = buckets.at(-1)!.components;
          while (components.length <= r.component) components.push(null);
          components[r.component] = {
            count: r.count,
            avg: r.sum / r.count,
            min: r.min,
            max: r.max,
            sum: r.sum,
          };
        }
        void reply.header(
          'cache-control',
          request.principal ? 'private, no-cache' : `public, max-age=${Math.max(publicMaxAge, 60)}`,
        );
        return {
          multiDatastreamId: id,
          interval,
          timeZone: interval === 'day' || interval === 'month' ? ROLLUP_TIME_ZONE : 'UTC',
          units,
          buckets: buckets.slice(0, limit),
          next: buckets.length > limit ? buckets[limit]!.start : null,
        };
      },
    );

    app.post(
      // '::' is Fastify's escape for a literal colon (Google-style custom method).
      '/api/sensors/observations::bulk',
      {
        bodyLimit: ctx.config.SENSOR_BULK_MAX_BYTES,
        schema: {
          tags: ['sensors'],
          summary: 'Store many observations of several Datastreams at once',
          description:
            'Body: `{ "datastreams": [ { "id": 1, "observations": [["2026-11-20T08:00:00Z", 12.5], …] } ] }`. ' +
            'API key with scope sensors:write or staff session. All or nothing: a bad row is a 4xx naming its ' +
            '`datastream` and `observation` index; the answer comes after the commit (durable).',
          body: BulkBody,
          response: {
            200: Type.Object({ stored: Type.Integer() }),
            ...errorResponses(400, 401, 403, 404, 413),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const municipalityId =
          request.body.municipalityId ?? observationPolicy.defaultWriteMunicipality(principal);
        if (!municipalityId)
          throw Errors.validation('Name the municipalityId: you write for more than one municipality');
        if (!observationPolicy.mayWrite(principal, municipalityId)) throw Errors.forbidden();

        const inputs: ObservationInput[] = [];
        const origin: [number, number][] = [];
        request.body.datastreams.forEach((stream, d) => {
          stream.observations.forEach((row, o) => {
            const [time, result] = row as [unknown, unknown];
            if (typeof time !== 'string' || !ISO_INSTANT.test(time) || Number.isNaN(Date.parse(time)))
              throw badRow(
                d,
                o,
                'The time must be an ISO 8601 instant with offset, e.g. 2026-11-20T08:00:00Z',
              );
            if (
              result === null ||
              result === undefined ||
              (typeof result === 'number' && !Number.isFinite(result))
            )
              throw badRow(d, o, 'The result must be a finite number or another JSON value, not null');
            inputs.push({
              datastreamId: stream.id,
              phenomenonTime: { start: new Date(time), end: null },
              result,
            });
            origin.push([d, o]);
          });
        });
        try {
          const stored = await ctx.observations.create(municipalityId, inputs);
          return { stored: stored.length };
        } catch (error) {
          const index = isAppError(error) ? error.details?.index : undefined;
          if (isAppError(error) && typeof index === 'number' && origin[index]) {
            const [d, o] = origin[index];
            throw new AppError(error.code, error.status, error.message, { datastream: d, observation: o });
          }
          throw error;
        }
      },
    );
  };
}

/** Distinct ids of a repeated and/or comma-separated query parameter. */
function idList(values: string[] | undefined): number[] {
  return [...new Set((values ?? []).flatMap((v) => v.split(',')).map(Number))];
}

/** A unit of measurement's symbol, else its name, else null. */
function unitLabel(unit: unknown): string | null {
  const u = unit as { symbol?: unknown; name?: unknown } | null;
  return typeof u?.symbol === 'string' ? u.symbol : typeof u?.name === 'string' ? u.name : null;
}

function badRow(datastream: number, observation: number, message: string): AppError {
  return Errors.validation(message, { datastream, observation });
}

/** Whether Accept-Encoding allows gzip (q=0 refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** If-None-Match per RFC 9110: a list of entity tags or *, compared weakly for GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
