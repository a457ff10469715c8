// Everything the club cloud adds to the HTTP app, registered with one line from app.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { clubsRoutes } from './clubs.routes.js';
import { meetingsRoutes } from './meetings/meetings.routes.js';
import { MeetingHub } from './meetings/meetings.signalling.js';
import { registerDavMethods, webdavRoutes } from './webdav/webdav.routes.js';
import { filesRoutes } from './files/files.routes.js';
import { tusRoutes } from './files/tus.routes.js';
import { linksRoutes } from './sharing/links.routes.js';
import { PublicLinksService } from './sharing/links.service.js';
import { sharesRoutes } from './sharing/shares.routes.js';
import { CloudSharesService } from './sharing/shares.service.js';
import { caldavRoutes, registerCaldavMethods } from './caldav/caldav.routes.js';
import { calendarRoutes } from './calendar/calendar.routes.js';
import { clubDataRoutes } from './privacy/data.routes.js';
import { clubDataService, clubDeletionRequests } from './privacy/data.jobs.js';
import { deletionRequestRoutes } from './privacy/deletion-requests.routes.js';

export async function cloudRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(clubsRoutes(ctx));
  registerDavMethods(app);
  await app.register(webdavRoutes(ctx, ctx.cloudFiles));
  // Meeting signalling rides on the HTTP server's upgrade event, like MQTT over WebSocket.
  const meetingHub = new MeetingHub(ctx, app.log, {
    maxParticipants: ctx.config.MEETING_MAX_PARTICIPANTS,
    relayOnly: ctx.config.MEETING_RELAY_ONLY,
    publicUrl: ctx.config.PUBLIC_URL,
  });
  meetingHub.attach(app.server);
  app.addHook('preClose', async () => meetingHub.close());
  await app.register(meetingsRoutes(ctx, meetingHub));
  await app.register(filesRoutes(ctx));
  await app.register(tusRoutes(ctx));
  await app.register(linksRoutes(ctx, new PublicLinksService(ctx.db, ctx.audit, ctx.clubs, ctx.cloudFiles)));
  await app.register(sharesRoutes(ctx, new CloudSharesService(ctx.db, ctx.audit, ctx.clubs)));
  registerCaldavMethods(app);
  await app.register(caldavRoutes(ctx));
  await app.register(calendarRoutes(ctx));
  const data = clubDataService(ctx);
  await app.register(clubDataRoutes(ctx, data));
  await app.register(deletionRequestRoutes(ctx, clubDeletionRequests(ctx, data)));
}
