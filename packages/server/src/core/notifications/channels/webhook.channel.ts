// Webhooks as jobs: a signed JSON POST, retried with backoff until the receiver answers 2xx. The envelope
// carries the delivery id (the job id, the same on every retry) so receivers can drop duplicates.
import { PermanentJobError } from '../../jobs/index.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signWebhook } from '../webhook-signature.js';
import type { NotificationChannel } from './channel.js';

export interface WebhookRequest {
  url: string;
  /** e.g. 'issue.created'; sent as X-SRP-Event and in the body. */
  event: string;
  payload: Record<string, unknown>;
  /** Shared secret of the subscription, for the HMAC signature. */
  secret: string;
}

export type WebhookJobPayload = WebhookRequest;

/** What the receiver gets as body. */
export interface WebhookEnvelope {
  /** Delivery id, equal to X-SRP-Delivery. */
  id: string;
  event: string;
  /** When the notification was created (not when this attempt was made). */
  createdAt: string;
  data: Record<string, unknown>;
}

declare module '../../jobs/job-types.js' {
  interface JobPayloadMap {
    'notification.webhook': WebhookJobPayload;
  }
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Scheme, host and path only: query strings of webhook URLs often hold tokens, which stay out of logs. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export const webhookChannel: NotificationChannel<WebhookJobPayload> = {
  jobName: 'notification.webhook',
  maxAttempts: 8,
  handlerOptions: { timeoutMs: WEBHOOK_TIMEOUT_MS + 5_000 },
  createHandler: () => async (job) => {
    const { url, event, payload, secret } = job.payload;
    const envelope: WebhookEnvelope = {
      id: String(job.id),
      event,
      createdAt: job.createdAt.toISOString(),
      data: payload,
    };
    const body = JSON.stringify(envelope);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'SmartRegionPlatform-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(secret, body),
          [EVENT_HEADER]: event,
          [DELIVERY_HEADER]: String(job.id),
        },
        body,
        redirect: 'manual', // a redirect is a misconfigured receiver; following it would resend the secret's proof
        signal: AbortSignal.any([job.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
    } catch (error) {
      throw new Error(`Webhook ${event} to ${describeUrl(url)} could not be delivered`, { cause: error });
    }
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const answer = (await response.text().catch(() => '')).slice(0, 200);
    const message = `Webhook receiver ${describeUrl(url)} answered ${response.status}${answer ? `: ${answer}` : ''}`;
    // 410 Gone: the receiver tells us the subscription no longer exists.
    if (response.status === 410) throw new PermanentJobError(message);
    throw new Error(message);
  },
};
