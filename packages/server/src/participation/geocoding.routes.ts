// The address search of the report form: GET /api/public/geocode (combobox suggestions).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { errorResponses } from '../core/http/schemas.js';
import { scopeOf } from './regions.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export function geocodingRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/public/geocode',
      {
        schema: {
          tags: ['participation'],
          summary:
            'Address suggestions for a report: the streets and places of the municipalities, then a configured Nominatim-compatible service',
          querystring: Type.Object({
            q: Type.String({ minLength: 2, maxLength: 200 }),
            region: Type.Optional(Type.String({ maxLength: 100 })),
            municipality: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
          }),
          response: {
            200: Type.Object({
              results: Type.Array(
                Type.Object({
                  label: Type.String(),
                  latitude: Type.Number(),
                  longitude: Type.Number(),
                  municipalityId: Nullable(Type.String()),
                  source: Type.Enum(['gazetteer', 'nominatim']),
                }),
              ),
            }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const scope = await scopeOf(ctx, q);
        const regions = await ctx.tenancy.publicRegions();
        const municipalities = regions
          .flatMap((r) => r.municipalities)
          .filter((m) => scope.municipalityIds.includes(m.id))
          .map((m) => ({ id: m.id, name: m.name }));
        const results = await ctx.participation.geocoding.search(q.q, { municipalities }, q.limit);
        void reply.header('cache-control', 'public, max-age=300');
        return { results };
      },
    );
  };
}
