// Web Push as a job: the message is encrypted for the browser's subscription (RFC 8291) and sent to its
// push service with a VAPID signature (RFC 8292) by the web-push package. A push service answering 404
// or 410 says the subscription is gone: retrying cannot help.
import { PermanentJobError } from '../../jobs/index.js';
import type { NotificationChannel } from './channel.js';

export interface PushSubscriptionKeys {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushJobPayload {
  subscription: PushSubscriptionKeys;
  /** What the service worker shows. */
  message: { title: string; body: string; url?: string; tag?: string };
  /** Seconds the push service keeps the message for an offline browser. */
  ttlSeconds?: number;
}

declare module '../../jobs/job-types.js' {
  interface JobPayloadMap {
    'notification.webpush': PushJobPayload;
  }
}

/** Sends one encrypted push message; implemented with web-push (webpush.ts). */
export interface WebPushSender {
  send(subscription: PushSubscriptionKeys, body: string, ttlSeconds: number): Promise<void>;
}

/** Thrown by a sender when the push service answered with an HTTP status. */
export class PushServiceError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const pushChannel: NotificationChannel<PushJobPayload> = {
  jobName: 'notification.webpush',
  maxAttempts: 6,
  handlerOptions: { timeoutMs: 30_000, concurrency: 4 },
  createHandler:
    ({ webPush }) =>
    async (job) => {
      if (!webPush) throw new Error('Web Push is not set up in this instance');
      const { subscription, message, ttlSeconds } = job.payload;
      try {
        await webPush.send(subscription, JSON.stringify(message), ttlSeconds ?? 24 * 3600);
      } catch (error) {
        if (error instanceof PushServiceError && (error.statusCode === 404 || error.statusCode === 410)) {
          throw new PermanentJobError(`The push subscription is gone (${error.statusCode})`, {
            cause: error,
          });
        }
        throw error;
      }
    },
};
