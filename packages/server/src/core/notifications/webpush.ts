// VAPID keys and the web-push sender. The key pair comes from the configuration (VAPID_PUBLIC_KEY and
// VAPID_PRIVATE_KEY) or is generated on first use and kept in the database, so every instance signs with
// the same key and browsers' subscriptions stay valid across restarts. Never in the repository.
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { Database } from '../db/database.js';
import { PushServiceError, type PushSubscriptionKeys, type WebPushSender } from './channels/push.channel.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface VapidConfig {
  VAPID_PUBLIC_KEY?: string | undefined;
  VAPID_PRIVATE_KEY?: string | undefined;
  VAPID_SUBJECT?: string | undefined;
  PUBLIC_URL: string;
  MAIL_FROM: string;
}

/** The configured key pair, or the stored one, generated and stored the first time. */
export async function loadVapidKeys(db: Database, config: VapidConfig): Promise<VapidKeys> {
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY)
    return { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY };
  const generated = webpush.generateVAPIDKeys();
  // Two instances starting at once: the first insert wins and both read it back.
  await db
    .insertInto('webpush_vapid_keys')
    .values({ id: 1, public_key: generated.publicKey, private_key: generated.privateKey })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await db
    .selectFrom('webpush_vapid_keys')
    .selectAll()
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return { publicKey: row.public_key, privateKey: row.private_key };
}

/** The contact the push services may use: VAPID_SUBJECT, else the sender address. */
export function vapidSubject(config: VapidConfig): string {
  if (config.VAPID_SUBJECT) return config.VAPID_SUBJECT;
  const address = /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM;
  return address.includes('@') ? `mailto:${address.trim()}` : config.PUBLIC_URL;
}

/** A sender that loads the keys once, on the first message. `agent`: e.g. a proxy, or a test's TLS trust. */
export function createWebPushSender(
  db: Database,
  config: VapidConfig,
  options: { agent?: Agent } = {},
): WebPushSender {
  let keys: Promise<VapidKeys> | undefined;
  return {
    async send(subscription: PushSubscriptionKeys, body: string, ttlSeconds: number) {
      keys ??= loadVapidKeys(db, config);
      const { publicKey, privateKey } = await keys;
      try {
        await webpush.sendNotification(subscription, body, {
          TTL: ttlSeconds,
          vapidDetails: { subject: vapidSubject(config), publicKey, privateKey },
          timeout: 15_000,
          ...(options.agent ? { agent: options.agent } : {}),
        });
      } catch (error) {
        if (error instanceof webpush.WebPushError)
          throw new PushServiceError(error.statusCode, `The push service answered ${error.statusCode}`);
        throw error;
      }
    },
  };
}
