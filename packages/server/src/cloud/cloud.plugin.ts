// Everything the club cloud adds to the HTTP app, registered with one line from app.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { clubsRoutes } from './clubs.routes.js';
import { registerDavMethods, webdavRoutes } from './webdav/webdav.routes.js';
import { filesRoutes } from './files/files.routes.js';
import { tusRoutes } from './files/tus.routes.js';
import { linksRoutes } from './sharing/links.routes.js';
import { PublicLinksService } from './sharing/links.service.js';

export async function cloudRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(clubsRoutes(ctx));
  registerDavMethods(app);
  await app.register(webdavRoutes(ctx, ctx.cloudFiles));
  await app.register(filesRoutes(ctx));
  await app.register(tusRoutes(ctx));
  await app.register(linksRoutes(ctx, new PublicLinksService(ctx.db, ctx.audit, ctx.clubs, ctx.cloudFiles)));
}
