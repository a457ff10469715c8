// Everything the club cloud adds to the HTTP app, registered with one line from app.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { clubsRoutes } from './clubs.routes.js';
import { registerDavMethods, webdavRoutes } from './webdav/webdav.routes.js';
import { caldavRoutes, registerCaldavMethods } from './caldav/caldav.routes.js';
import { calendarRoutes } from './calendar/calendar.routes.js';

export async function cloudRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(clubsRoutes(ctx));
  registerDavMethods(app);
  await app.register(webdavRoutes(ctx, ctx.cloudFiles));
  registerCaldavMethods(app);
  await app.register(caldavRoutes(ctx));
  await app.register(calendarRoutes(ctx));
}
