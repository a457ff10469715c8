// A notification channel = one job type that delivers one kind of message. E-mail and webhooks exist;
// Web Push (VAPID, the web-push package) is meant to be the third: a `push.channel.ts` with its payload
// (subscription endpoint and keys, title, body, url), a handler that treats 404/410 from the push service
// as a permanent error (the subscription is gone), `webPush` in NotificationDeps, and sendPush() in the
// service. Nothing else needs to change.
import type { HandlerOptions, JobHandler } from '../../jobs/index.js';
import type { Mailer } from '../mailer.js';

/** What the channel handlers need at run time; provided once by registerNotificationJobs. */
export interface NotificationDeps {
  mailer: Mailer;
}

export interface NotificationChannel<P> {
  /** Job name without the service's namespace prefix. */
  jobName: string;
  /** Attempts for jobs of this channel. */
  maxAttempts: number;
  handlerOptions: HandlerOptions;
  createHandler(deps: NotificationDeps): JobHandler<P>;
}
