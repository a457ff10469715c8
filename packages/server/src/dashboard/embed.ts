// Tiles may be embedded on a municipality's own website: only the embed pages of the web app allow
// being framed by other sites; every other page keeps frame-ancestors 'self' and X-Frame-Options.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export const EMBED_PATH_PREFIX = '/dashboard/embed/';

export function registerEmbedHeaders(app: FastifyInstance): void {
  // Synchronous: an async hook would cost every answer of the platform a promise for nothing.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (
      (request.method === 'GET' || request.method === 'HEAD') &&
      request.url.startsWith(EMBED_PATH_PREFIX)
    ) {
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string')
        void reply.header(
          'content-security-policy',
          csp.replace(/frame-ancestors [^;]*/, 'frame-ancestors *'),
        );
      reply.removeHeader('x-frame-options');
    }
    done(null, payload);
  });
}

/** The origin of the configured map tiles, for the page's img-src. */
export function mapTileOrigins(config: Pick<Config, 'DASHBOARD_MAP_TILE_URL'>): string[] {
  if (config.DASHBOARD_MAP_TILE_URL === 'none') return [];
  try {
    // The template's placeholders are not valid in a host name; only scheme and host matter here.
    return [new URL(config.DASHBOARD_MAP_TILE_URL.replace(/\{[a-z]\}/g, '0')).origin];
  } catch {
    return [];
  }
}
