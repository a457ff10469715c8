// Builds the Fastify application from a context. Used by main.ts and by the end-to-end tests, which start
// the same application on a free port.
import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import ajvFormats from 'ajv-formats';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { auditRoutes } from './core/audit/audit.routes.js';
import { registerAuthentication } from './core/auth/auth.plugin.js';
import { authRoutes } from './core/auth/auth.routes.js';
import { accountRoutes } from './core/auth/account.routes.js';
import { oidcRoutes } from './core/auth/oidc.routes.js';
import { samlRoutes } from './core/auth/saml.routes.js';
import { Errors } from './core/errors.js';
import { registerErrorHandling, sendError } from './core/http/error-handler.js';
import { registerHealthRoutes } from './core/http/health.routes.js';
import { registerStrictJson } from './core/http/json-body.js';
import { createMetrics, registerMetrics } from './core/http/metrics.js';
import { ErrorResponse } from './core/http/schemas.js';
import { identityRoutes } from './core/identity/identity.routes.js';
import { tenancyRoutes } from './core/tenancy/tenancy.routes.js';
import { workRoutes } from './core/work/work.routes.js';
import { egovRoutes } from './egov/egov.routes.js';
import { observationRoutes } from './sensors/observations/observation.routes.js';
import { deviceRoutes } from './sensors/devices/device.routes.js';
import { quarantineRoutes } from './sensors/ingestion/quarantine.routes.js';
import { webhookRoutes } from './sensors/ingestion/webhook.routes.js';
import { sensorThingsRoutes } from './sensors/sensorthings/sta.routes.js';
import { rulesRoutes } from './rules/rules.routes.js';
import { warningsRoutes } from './rules/warnings.routes.js';
import { connectorRoutes } from './egov/connectors/connector.routes.js';
import { paymentRoutes } from './egov/payments/payment.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { mapTileOrigins, registerEmbedHeaders } from './dashboard/embed.js';
import { openDataRoutes } from './dashboard/open-data.routes.js';
import { cloudRoutes } from './cloud/cloud.plugin.js';
import { participationRoutes } from './participation/participation.routes.js';
import { WebPages } from './core/http/web-pages.js';
import type { RequestsInFlight } from './core/http/requests-in-flight.js';
import { dashboardFirstScreen } from './dashboard/first-screen.js';

export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

/** Prefixes whose requests are authenticated; protocol adapters add theirs here. */
export const AUTHENTICATED_PREFIXES = ['/api/', '/sta/', '/dav'];

export interface BuildOptions {
  /** Serve the built web app (default when packages/web/dist exists). */
  webDist?: string | null;
  logger?: boolean;
  /** Counts the requests being worked on (server.ts hands it to the job worker). */
  requestsInFlight?: RequestsInFlight;
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const serverOptions: FastifyServerOptions = {
    logger:
      options.logger === false
        ? false
        : {
            level: config.LOG_LEVEL,
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
          },
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
      plugins: [ajvFormats.default as never],
    },
  };
  const app = Fastify(serverOptions).withTypeProvider<TypeBoxTypeProvider>();

  const webDist =
    options.webDist === undefined ? (fs.existsSync(WEB_DIST) ? WEB_DIST : null) : options.webDist;
  app.addSchema(ErrorResponse);
  // Pages carry the region list inline and the dashboards their first screen (core/http/web-pages.ts).
  const webPages = webDist
    ? new WebPages(webDist, () => ctx.tenancy.publicRegions(), [dashboardFirstScreen])
    : null;
  registerErrorHandling(app, webPages ? webAppFallback(webPages) : undefined);
  registerStrictJson(app);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...mapTileOrigins(config)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'"],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: config.PUBLIC_URL.startsWith('https:') ? [] : null,
      },
    },
    hsts: config.PUBLIC_URL.startsWith('https:'),
  });
  await app.register(cookie);
  registerEmbedHeaders(app);

  options.requestsInFlight?.register(app);
  const metrics = createMetrics();
  registerMetrics(app, metrics, config.METRICS_ENABLED);
  registerHealthRoutes(app, () => ctx.database.ping());

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Smart Region Platform API',
        version: '0.1.0',
        description:
          'JSON API of the Smart Region Platform. Errors always have the shape `{ error: { code, message, requestId, details? } }`. ' +
          'Cookie-authenticated writes need the header `x-csrf-token`; machines use `Authorization: Bearer <API key>`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'srp_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  registerAuthentication(app, {
    auth: ctx.auth,
    prefixes: AUTHENTICATED_PREFIXES,
    cookieSecure: config.cookieSecure,
    sessionTtlHours: config.SESSION_TTL_HOURS,
  });

  await app.register(authRoutes(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(oidcRoutes(ctx));
  await app.register(samlRoutes(ctx));
  await app.register(tenancyRoutes(ctx));
  await app.register(identityRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(workRoutes(ctx));
  await app.register(egovRoutes(ctx));
  await app.register(observationRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(quarantineRoutes(ctx));
  // LoRaWAN network servers authenticate with their integration secret, not as a Principal.
  await app.register(webhookRoutes(ctx));
  await app.register(sensorThingsRoutes(ctx));
  await app.register(rulesRoutes(ctx, ctx.rules));
  await app.register(warningsRoutes(ctx.rules));
  await app.register(connectorRoutes(ctx));
  await app.register(paymentRoutes(ctx));
  await app.register(dashboardRoutes(ctx));
  await app.register(openDataRoutes(ctx));
  await cloudRoutes(app, ctx);
  await app.register(participationRoutes(ctx));

  if (webDist) await serveWebApp(app, webDist);

  return app;
}

/**
 * The single-page web app: hashed assets cached for a year, every other page path gets index.html; both
 * pre-compressed (brotli or gzip, as the browser accepts).
 */
async function serveWebApp(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    // The build writes .br and .gz beside every text file; sending those costs nothing per request.
    preCompressed: true,
    setHeaders: (reply, filePath) => {
      void reply.header(
        'cache-control',
        filePath.includes(`${path.sep}assets${path.sep}`)
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      );
    },
  });
}

const API_LIKE = /^\/(api|sta|dav|caldav|integrations|open311|healthz|readyz|metrics)(\/|$)/;

/** Unknown page paths are routes of the single-page app; unknown API paths and files stay a JSON 404. */
function webAppFallback(pages: WebPages) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !API_LIKE.test(request.url);
    if (!wantsPage) return sendError(request, reply, Errors.notFound('Route'));
    const pathname = request.url.split('?')[0]!;
    if (/\.[a-z0-9]{1,8}$/i.test(pathname)) return sendError(request, reply, Errors.notFound('File'));
    void reply.header('cache-control', 'no-cache');
    let page;
    try {
      page = await pages.page(pathname);
    } catch (error) {
      // Without the region list the plain page still works: the app asks the API itself.
      request.log.warn({ err: error }, 'web page built without the region list');
    }
    if (!page) return reply.sendFile('index.html');
    void reply.header('etag', page.etag).header('vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === page.etag) return reply.code(304).send();
    const accepted = request.headers['accept-encoding'] ?? '';
    const [encoding, body] = /\bbr\b/.test(accepted)
      ? ['br', page.br]
      : /\bgzip\b/.test(accepted)
        ? ['gzip', page.gzip]
        : [null, page.identity];
    if (encoding) void reply.header('content-encoding', encoding);
    return reply.type('text/html; charset=utf-8').send(body);
  };
}
