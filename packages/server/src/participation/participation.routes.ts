// Every route of the participation domain, registered with one line in app.ts.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { feedbackRoutes } from './feedback.routes.js';
import { geocodingRoutes } from './geocoding.routes.js';
import { open311Routes } from './open311/open311.routes.js';
import { postRoutes } from './posts.routes.js';
import { reportRoutes } from './reports.routes.js';

export function participationRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    await app.register(reportRoutes(ctx));
    await app.register(postRoutes(ctx));
    await app.register(feedbackRoutes(ctx));
    await app.register(geocodingRoutes(ctx));
    // Open311 clients authenticate with api_key in the request, not as a Principal.
    await app.register(open311Routes(ctx), { prefix: '/open311/v2' });
  };
}
