// A notification channel = one job type that delivers one kind of message: e-mail, webhooks and Web Push
// (push.channel.ts, VAPID keys in webpush.ts).
import type { HandlerOptions, JobHandler } from '../../jobs/index.js';
import type { Mailer } from '../mailer.js';
import type { WebPushSender } from './push.channel.js';

/** What the channel handlers need at run time; provided once by registerNotificationJobs. */
export interface NotificationDeps {
  mailer: Mailer;
  /** Web Push; without it push jobs fail and are retried until an instance with it runs them. */
  webPush?: WebPushSender;
}

export interface NotificationChannel<P> {
  /** Job name without the service's namespace prefix. */
  jobName: string;
  /** Attempts for jobs of this channel. */
  maxAttempts: number;
  handlerOptions: HandlerOptions;
  createHandler(deps: NotificationDeps): JobHandler<P>;
}
