// One way for every domain to notify people and systems. Sending only enqueues a job (in the caller's
// transaction if one is passed), so a request never waits for a mail server or a webhook receiver, and a
// notification for a change that was rolled back is never sent. Delivery, retries and dead letters are the
// job queue's; the channels (channels/*.channel.ts) only know how to deliver one message once.
import type { Database } from '../db/database.js';
import { Errors } from '../errors.js';
import type { EnqueueResult, JobHandler, JobQueue, JobWorker, JsonObject } from '../jobs/index.js';
import type { NotificationChannel, NotificationDeps } from './channels/channel.js';
import { emailChannel, toEmailJobPayload } from './channels/email.channel.js';
import { webhookChannel, type WebhookRequest } from './channels/webhook.channel.js';
import { pushChannel, type PushJobPayload } from './channels/push.channel.js';
import type { EmailMessage } from './mailer.js';

export interface NotificationSendOptions {
  municipalityId?: string | null;
  /** A transaction: the notification is only sent if it commits. */
  executor?: Database;
  /** Send no second notification while one with this key is still waiting or being delivered. */
  uniqueKey?: string;
  /** Deliver not before this time (reminders). */
  runAt?: Date;
}

export interface NotificationNamingOptions {
  /**
   * Prefix of the job names, '' in production. Tests that share one database give each file its own
   * prefix so that their workers do not deliver each other's notifications.
   */
  jobNamespace?: string;
}

// Every channel whose jobs registerNotificationJobs handles.
const channels: readonly NotificationChannel<never>[] = [emailChannel, webhookChannel, pushChannel];

export class NotificationService {
  readonly #namespace: string;

  constructor(
    private readonly queue: JobQueue,
    options: NotificationNamingOptions = {},
  ) {
    this.#namespace = options.jobNamespace ?? '';
  }

  /** Queues an e-mail; streams in attachments are read now, since the message is stored until delivery. */
  async sendEmail(message: EmailMessage, options: NotificationSendOptions = {}): Promise<EnqueueResult> {
    return this.#enqueue(emailChannel, await toEmailJobPayload(message), options);
  }

  /** Queues a signed webhook POST (see webhook-signature.ts for what the receiver checks). */
  async sendWebhook(request: WebhookRequest, options: NotificationSendOptions = {}): Promise<EnqueueResult> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw Errors.validation('The webhook URL is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw Errors.validation('A webhook URL must use http or https');
    }
    if (!request.event.trim()) throw Errors.validation('A webhook needs an event name');
    if (!request.secret) throw Errors.validation('A webhook needs a secret to sign with');
    return this.#enqueue(webhookChannel, { ...request, url: url.href }, options);
  }

  /** Queues an encrypted Web Push message to one browser subscription (VAPID-signed). */
  async sendPush(payload: PushJobPayload, options: NotificationSendOptions = {}): Promise<EnqueueResult> {
    if (!/^https?:\/\//.test(payload.subscription.endpoint))
      throw Errors.validation('A push endpoint must be an http(s) URL');
    return this.#enqueue(pushChannel, payload, options);
  }

  #enqueue<P extends object>(
    channel: NotificationChannel<P>,
    payload: P,
    options: NotificationSendOptions,
  ): Promise<EnqueueResult> {
    return this.queue.enqueue(
      this.#namespace + channel.jobName,
      payload as unknown as JsonObject,
      {
        maxAttempts: channel.maxAttempts,
        municipalityId: options.municipalityId ?? null,
        ...(options.uniqueKey !== undefined ? { uniqueKey: options.uniqueKey } : {}),
        ...(options.runAt !== undefined ? { runAt: options.runAt } : {}),
      },
      options.executor,
    );
  }
}

/** Registers the delivery handlers of all channels on the worker (once per process, before start()). */
export function registerNotificationJobs(
  worker: JobWorker,
  deps: NotificationDeps,
  options: NotificationNamingOptions = {},
): void {
  const namespace = options.jobNamespace ?? '';
  for (const channel of channels) {
    // With the namespace the name is a plain string to the compiler; the channel fixes the payload type.
    const handler = channel.createHandler(deps) as unknown as JobHandler<JsonObject>;
    worker.register(namespace + channel.jobName, handler, channel.handlerOptions);
  }
}
