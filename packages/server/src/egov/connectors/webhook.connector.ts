// Generic JSON webhook: the submission as JSON (attachments inline, base64, with SHA-512 hashes), signed
// with the platform's one webhook signature (X-SRP-Signature, see core/notifications). The delivery id
// travels in X-SRP-Delivery so the receiver can drop a retried duplicate.
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
} from '../../core/notifications/webhook-signature.js';
import {
  checkResponse,
  type Connector,
  type DeliveryAttempt,
  type DeliveryResult,
  type WebhookSettings,
} from './connector.types.js';
import { sha512Hex } from './fit-connect.connector.js';

export const SUBMISSION_EVENT = 'egov.submission';
const REQUEST_TIMEOUT_MS = 30_000;

/** Posts a signed body; shared by the webhook and XML connectors. */
export async function postSigned(
  attempt: DeliveryAttempt,
  settings: { url: string; secret: string },
  body: string,
  contentType: string,
): Promise<DeliveryResult> {
  const response = await fetch(settings.url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      [SIGNATURE_HEADER]: signWebhook(settings.secret, body),
      [EVENT_HEADER]: SUBMISSION_EVENT,
      [DELIVERY_HEADER]: attempt.idempotencyKey,
    },
    body,
    signal: AbortSignal.any([attempt.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  await checkResponse(response, `posting to ${new URL(settings.url).host}`);
  return { remoteId: attempt.idempotencyKey, remoteStatus: `http ${response.status}` };
}

export function validateUrlAndSecret(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof settings.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(settings.url)) {
    problems.push('url must be an http(s) URL');
  }
  if (typeof settings.secret !== 'string' || settings.secret.length < 16) {
    problems.push('secret must have at least 16 characters');
  }
  return problems;
}

export const webhookConnector: Connector = {
  kind: 'webhook',

  async validateSettings(settings) {
    return validateUrlAndSecret(settings);
  },
  deliver(attempt) {
    const settings = attempt.destination.settings as unknown as WebhookSettings;
    const { submission } = attempt;
    const body = JSON.stringify({
      deliveryId: attempt.deliveryId,
      idempotencyKey: attempt.idempotencyKey,
      reference: submission.reference,
      service: { identifier: submission.serviceIdentifier, name: submission.serviceName },
      data: submission.data,
      dataHash: { type: 'sha512', content: sha512Hex(JSON.stringify(submission.data)) },
      attachments: attempt.attachments.map((a) => ({
        filename: a.filename,
        mediaType: a.mediaType,
        hash: { type: 'sha512', content: sha512Hex(a.content) },
        content: a.content.toString('base64'),
      })),
    });
    return postSigned(attempt, settings, body, 'application/json');
  },
};
