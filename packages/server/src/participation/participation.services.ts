// The participation domain's services, wired once per process into the AppContext (ctx.participation).
import type { Config } from '../config.js';
import type { AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { FileStorage } from '../core/files/index.js';
import type { NotificationService } from '../core/notifications/index.js';
import type { WorkService } from '../core/work/work.service.js';
import { AbuseGuard } from './abuse.js';
import { FeedbackService } from './feedback.service.js';
import { GazetteerGeocoder, GeocodingService, NominatimGeocoder } from './geocoding.js';
import { PostService } from './posts.service.js';
import { ReportService } from './reports.service.js';

export interface ParticipationServices {
  reports: ReportService;
  posts: PostService;
  feedback: FeedbackService;
  guard: AbuseGuard;
  geocoding: GeocodingService;
}

export function createParticipationServices(deps: {
  config: Config;
  db: Database;
  audit: AuditService;
  notifications: NotificationService;
  work: WorkService;
  files: FileStorage;
}): ParticipationServices {
  const { config, db, audit } = deps;
  return {
    reports: new ReportService(db, audit, deps.notifications, deps.work, deps.files, config),
    posts: new PostService(db, audit, deps.files, config.PARTICIPATION_PHOTO_MAX_MB * 1024 * 1024),
    feedback: new FeedbackService(db, audit),
    guard: new AbuseGuard(db, {
      postsPerHour: config.PARTICIPATION_POSTS_PER_HOUR,
      minFillSeconds: config.PARTICIPATION_MIN_FILL_SECONDS,
    }),
    geocoding: new GeocodingService(
      new GazetteerGeocoder(db),
      config.PARTICIPATION_GEOCODER_URL
        ? new NominatimGeocoder(
            config.PARTICIPATION_GEOCODER_URL,
            `SmartRegionPlatform/1 (${config.PUBLIC_URL})`,
          )
        : null,
    ),
  };
}
