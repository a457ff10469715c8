// HTTP API of the dashboard: the public dashboards (region, municipality, one tile), the live stream,
// and the staff editor's tiles (draft, preview data, publish, withdraw, order, history).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  PublicDashboard,
  PublicTile,
  StaffTile,
  TileConfig,
  TileDatastreamOption,
  TileHistoryEntry,
  type PublicRegion,
} from '@srp/contracts';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal } from '../core/auth/principal.js';
import { Errors } from '../core/errors.js';
import { errorResponses, MunicipalityParams } from '../core/http/schemas.js';
import { dashboardPolicy } from './dashboard.policy.js';
import type { TileRow } from './dashboard.repository.js';
import { DashboardService } from './dashboard.service.js';
import { LiveHub } from './live.js';

const TileParams = Type.Object({
  municipalityId: Type.String({ format: 'uuid' }),
  tileId: Type.String({ format: 'uuid' }),
});
const TileBody = Type.Object(
  { draft: TileConfig, onRegion: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const Slug = Type.String({ pattern: '^[a-z0-9-]{1,63}$' });

const presentStaffTile = (t: TileRow) => ({
  id: t.id,
  municipalityId: t.municipality_id,
  onRegion: t.on_region,
  position: t.position,
  draft: t.draft,
  published: t.published,
  publishedAt: t.published_at?.toISOString() ?? null,
  changed: JSON.stringify(t.draft) !== JSON.stringify(t.published),
  version: t.version,
  updatedAt: t.updated_at.toISOString(),
});

export function dashboardRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const tiles = new DashboardService(ctx.db, ctx.audit);
  const live = new LiveHub(ctx.db, ctx.observations);
  const map = {
    tileUrl: ctx.config.DASHBOARD_MAP_TILE_URL === 'none' ? null : ctx.config.DASHBOARD_MAP_TILE_URL,
    attribution: ctx.config.DASHBOARD_MAP_ATTRIBUTION,
  };

  return async (app) => {
    app.addHook('onClose', () => live.closeAll());

    app.get(
      '/api/public/dashboard',
      {
        schema: {
          tags: ['dashboard'],
          summary: "A region's or a municipality's public dashboard",
          description:
            'Give `region` (slug) for the region dashboard, `municipality` (slug) for one municipality, or ' +
            'neither for the only region. Published tiles only, with published Datastreams only; latest ' +
            'values come from /api/sensors/latest, history from the aggregate API.',
          querystring: Type.Object({ region: Type.Optional(Slug), municipality: Type.Optional(Slug) }),
          response: { 200: PublicDashboard, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const regions = await ctx.tenancy.publicRegions();
        const { region: regionSlug, municipality: municipalitySlug } = request.query;
        void reply.header('cache-control', 'public, max-age=30');
        if (municipalitySlug) {
          const region = regions.find((r) => r.municipalities.some((m) => m.slug === municipalitySlug));
          const municipality = region?.municipalities.find((m) => m.slug === municipalitySlug);
          if (!region || !municipality) throw Errors.notFound('Municipality');
          return {
            scope: { kind: 'municipality' as const, ...scopeOf(municipality, region) },
            municipalities: region.municipalities.map(brief),
            map,
            tiles: await tiles.publicTiles([municipality.id], false),
          };
        }
        const region = regionSlug ? regions.find((r) => r.slug === regionSlug) : regions[0];
        if (!region || (!regionSlug && regions.length !== 1)) throw Errors.notFound('Region');
        return {
          scope: { kind: 'region' as const, ...scopeOf(region, region) },
          municipalities: region.municipalities.map(brief),
          map,
          tiles: await tiles.publicTiles(
            region.municipalities.map((m) => m.id),
            true,
          ),
        };
      },
    );

    app.get(
      '/api/public/dashboard/tiles/:tileId',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'One published tile (for embedding and shared links)',
          params: Type.Object({ tileId: Type.String({ format: 'uuid' }) }),
          response: { 200: PublicTile, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'public, max-age=30');
        return tiles.publicTile(request.params.tileId);
      },
    );

    app.get(
      '/api/dashboard/stream',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Live values of published Datastreams (Server-Sent Events)',
          description:
            'Events `observations` with data `[{ "id": <Datastream>, "time": ISO, "value": … }]`, the newest ' +
            'value per Datastream of each stored batch. Filter by `municipality` and/or `datastream` ids.',
          querystring: Type.Object({
            municipality: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })),
            datastream: Type.Optional(
              Type.String({ pattern: '^[0-9]{1,15}(,[0-9]{1,15}){0,999}$', maxLength: 16_000 }),
            ),
          }),
        },
      },
      (request, reply) => {
        const { municipality, datastream } = request.query;
        reply.hijack();
        const response = reply.raw;
        response.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // Tells nginx-like proxies not to buffer the stream.
          'x-accel-buffering': 'no',
        });
        response.write('retry: 5000\n: connected\n\n');
        live.add(response, {
          municipalityIds: municipality?.length ? new Set(municipality) : null,
          datastreamIds: datastream ? new Set(datastream.split(',').map(Number)) : null,
        });
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/dashboard/tiles',
      {
        schema: {
          tags: ['dashboard'],
          summary: "The municipality's tiles with drafts (staff)",
          params: MunicipalityParams,
          response: { 200: Type.Object({ tiles: Type.Array(StaffTile) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!dashboardPolicy.mayViewTiles(principal, municipalityId)) throw Errors.forbidden();
        return { tiles: (await tiles.list(municipalityId)).map(presentStaffTile) };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/dashboard/datastreams',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Published Datastreams a tile may show (staff)',
          params: MunicipalityParams,
          response: {
            200: Type.Object({ datastreams: Type.Array(TileDatastreamOption) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!dashboardPolicy.mayViewTiles(principal, municipalityId)) throw Errors.forbidden();
        const options = await tiles.datastreamOptions(municipalityId);
        return {
          datastreams: options.map((d) => ({ id: d.id, name: d.name, unit: d.unit, thingName: d.thingName })),
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/dashboard/tiles',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Create a tile (a draft; publish separately)',
          params: MunicipalityParams,
          body: TileBody,
          response: { 201: StaffTile, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!dashboardPolicy.mayEditTiles(principal, municipalityId)) throw Errors.forbidden();
        const tile = await tiles.create(
          municipalityId,
          { draft: request.body.draft, onRegion: request.body.onRegion ?? false },
          actorOf(principal, request),
        );
        return reply.code(201).send(presentStaffTile(tile));
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/dashboard/tiles/:tileId',
      {
        schema: {
          tags: ['dashboard'],
          summary: "Save a tile's draft (the public keeps seeing the published version)",
          params: TileParams,
          body: TileBody,
          response: { 200: StaffTile, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, tileId } = request.params;
        if (!dashboardPolicy.mayEditTiles(principal, municipalityId)) throw Errors.forbidden();
        const current = await tiles.get(municipalityId, tileId);
        const tile = await tiles.update(
          municipalityId,
          tileId,
          { draft: request.body.draft, onRegion: request.body.onRegion ?? current.on_region },
          actorOf(principal, request),
        );
        return presentStaffTile(tile);
      },
    );

    for (const [action, summary] of [
      ['publish', 'Publish the draft'],
      ['withdraw', 'Withdraw the tile from the public dashboard'],
    ] as const)
      app.post(
        `/api/municipalities/:municipalityId/dashboard/tiles/:tileId/${action}`,
        {
          schema: {
            tags: ['dashboard'],
            summary,
            params: TileParams,
            response: { 200: StaffTile, ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request) => {
          const principal = requirePrincipal(request.principal);
          const { municipalityId, tileId } = request.params;
          if (!dashboardPolicy.mayEditTiles(principal, municipalityId)) throw Errors.forbidden();
          const actor = actorOf(principal, request);
          const tile =
            action === 'publish'
              ? await tiles.publish(municipalityId, tileId, actor)
              : await tiles.withdraw(municipalityId, tileId, actor);
          return presentStaffTile(tile);
        },
      );

    app.delete(
      '/api/municipalities/:municipalityId/dashboard/tiles/:tileId',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Delete a tile',
          params: TileParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, tileId } = request.params;
        if (!dashboardPolicy.mayEditTiles(principal, municipalityId)) throw Errors.forbidden();
        await tiles.delete(municipalityId, tileId, actorOf(principal, request));
        return reply.code(204).send(null);
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/dashboard/order',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Order the tiles (every tile id once, first shown first)',
          params: MunicipalityParams,
          body: Type.Object(
            { tileIds: Type.Array(Type.String({ format: 'uuid' }), { maxItems: 500 }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ tiles: Type.Array(StaffTile) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!dashboardPolicy.mayEditTiles(principal, municipalityId)) throw Errors.forbidden();
        const ordered = await tiles.reorder(
          municipalityId,
          request.body.tileIds,
          actorOf(principal, request),
        );
        return { tiles: ordered.map(presentStaffTile) };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/dashboard/tiles/:tileId/history',
      {
        schema: {
          tags: ['dashboard'],
          summary: "A tile's versions: created, saved, published, withdrawn (newest first)",
          params: TileParams,
          response: {
            200: Type.Object({ history: Type.Array(TileHistoryEntry) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, tileId } = request.params;
        if (!dashboardPolicy.mayViewTiles(principal, municipalityId)) throw Errors.forbidden();
        await tiles.get(municipalityId, tileId);
        const history = await tiles.history(municipalityId, tileId);
        return {
          history: history.map((h) => ({
            version: h.version,
            action: h.action,
            config: h.config,
            actor: h.actor_name,
            at: h.created_at.toISOString(),
          })),
        };
      },
    );
  };
}

function brief(m: { id: string; slug: string; name: string }) {
  return { id: m.id, slug: m.slug, name: m.name };
}

function scopeOf(of: { id: string; slug: string; name: string }, region: PublicRegion) {
  return { id: of.id, slug: of.slug, name: of.name, regionSlug: region.slug, regionName: region.name };
}
