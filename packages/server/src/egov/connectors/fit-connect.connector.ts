// FIT-Connect-compatible delivery (Submission API v1): announce the submission with its attachment ids,
// upload each attachment as its own JWE, then send metadata and data as JWEs. Everything is encrypted for
// the destination's public key (RSA-OAEP-256 key wrapping, A256GCM content encryption), so the transport
// and FIT-Connect itself see nothing; the metadata carries SHA-512 hashes of the plain data and of every
// attachment so that the receiver can prove nothing was swapped on the way.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import {
  checkResponse,
  DeliveryRefused,
  type Connector,
  type DeliveryAttempt,
  type DeliveryResult,
  type FitConnectSettings,
} from './connector.types.js';

export const FIT_CONNECT_KEY_ALGORITHM = 'RSA-OAEP-256';
export const FIT_CONNECT_CONTENT_ENCRYPTION = 'A256GCM';
export const METADATA_SCHEMA = 'https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json';
export const CALLBACK_AUTHENTICATION_HEADER = 'callback-authentication';
export const CALLBACK_TIMESTAMP_HEADER = 'callback-timestamp';
/** FIT-Connect: a callback whose timestamp is older than two minutes is refused (replay). */
export const CALLBACK_MAX_AGE_SECONDS = 120;
const REQUEST_TIMEOUT_MS = 30_000;

export const sha512Hex = (content: Buffer | string) => createHash('sha512').update(content).digest('hex');

/** A stable UUID for the n-th attachment of a delivery, so a retried delivery announces the same ids. */
export function attachmentId(deliveryId: string, index: number): string {
  const hex = createHash('sha256').update(`${deliveryId}:${index}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function encryptForDestination(
  key: Record<string, unknown>,
  plaintext: Buffer | string,
  contentType: string,
): Promise<string> {
  const publicKey = await importJWK(key as JWK, FIT_CONNECT_KEY_ALGORITHM);
  const header: { alg: string; enc: string; cty: string; kid?: string } = {
    alg: FIT_CONNECT_KEY_ALGORITHM,
    enc: FIT_CONNECT_CONTENT_ENCRYPTION,
    cty: contentType,
  };
  if (typeof key.kid === 'string') header.kid = key.kid;
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return new CompactEncrypt(bytes).setProtectedHeader(header).encrypt(publicKey);
}

/** The value of `callback-authentication`: hex HMAC-SHA512 over "<timestamp>.<body>". */
export function signFitConnectCallback(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha512', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** True when the callback carries a valid HMAC of exactly this body and is at most two minutes old. */
export function verifyFitConnectCallback(
  secret: string,
  headers: { authentication: string | undefined; timestamp: string | undefined },
  body: string | Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const { authentication, timestamp } = headers;
  if (!authentication || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (!/^[0-9a-f]{128}$/i.test(authentication)) return false;
  const age = nowSeconds - Number(timestamp);
  // A little tolerance into the future for clocks that are slightly ahead.
  if (age > CALLBACK_MAX_AGE_SECONDS || age < -30) return false;
  const expected = Buffer.from(signFitConnectCallback(secret, timestamp, body), 'hex');
  return timingSafeEqual(Buffer.from(authentication.toLowerCase(), 'hex'), expected);
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null);

export const fitConnectConnector: Connector = {
  kind: 'fit-connect',

  async validateSettings(settings) {
    const problems: string[] = [];
    const url = text(settings.submissionApiUrl);
    if (!url || !/^https?:\/\//.test(url)) problems.push('submissionApiUrl must be an http(s) URL');
    if (!text(settings.destinationId)) problems.push('destinationId is required');
    if (!text(settings.callbackSecret) || String(settings.callbackSecret).length < 16) {
      problems.push('callbackSecret must have at least 16 characters');
    }
    const key = settings.encryptionKey as Record<string, unknown> | undefined;
    if (!key || typeof key !== 'object' || key.kty !== 'RSA' || typeof key.n !== 'string') {
      problems.push('encryptionKey must be a public RSA JWK');
    } else if ('d' in key) {
      problems.push('encryptionKey must be the public key only');
    } else {
      try {
        await importJWK(key as JWK, FIT_CONNECT_KEY_ALGORITHM);
      } catch (error) {
        problems.push(`encryptionKey cannot be used: ${(error as Error).message}`);
      }
    }
    return problems;
  },

  async deliver(attempt: DeliveryAttempt): Promise<DeliveryResult> {
    const settings = attempt.destination.settings as unknown as FitConnectSettings;
    const base = settings.submissionApiUrl.replace(/\/+$/, '');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (settings.accessToken) headers.authorization = `Bearer ${settings.accessToken}`;
    const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
    const { submission } = attempt;
    const attachments = attempt.attachments.map((a, index) => ({
      ...a,
      id: attachmentId(attempt.idempotencyKey, index),
    }));
    const serviceType = { name: submission.serviceName, identifier: submission.serviceIdentifier };

    // 1. Announce, once: a retry continues with the submission the receiver already knows.
    let submissionId = attempt.remoteId;
    if (!submissionId) {
      const response = await fetch(`${base}/v1/submissions`, {
        method: 'POST',
        headers,
        signal,
        body: JSON.stringify({
          destinationId: settings.destinationId,
          announcedAttachments: attachments.map((a) => a.id),
          serviceType,
        }),
      });
      await checkResponse(response, 'announcing the submission');
      const announced = (await response.json()) as { submissionId?: unknown };
      if (typeof announced.submissionId !== 'string') {
        throw new DeliveryRefused('the receiver announced no submissionId');
      }
      submissionId = announced.submissionId;
      await attempt.rememberRemoteId(submissionId);
    }

    // 2. Attachments, each encrypted on its own (uploading again replaces the same attachment).
    for (const attachment of attachments) {
      const jwe = await encryptForDestination(
        settings.encryptionKey,
        attachment.content,
        attachment.mediaType,
      );
      const response = await fetch(
        `${base}/v1/submissions/${encodeURIComponent(submissionId)}/attachments/${attachment.id}`,
        { method: 'PUT', headers: { ...headers, 'content-type': 'application/jose' }, body: jwe, signal },
      );
      await checkResponse(response, `uploading attachment ${attachment.filename}`);
    }

    // 3. Metadata with the hashes of the plain contents, and the data; both encrypted.
    const data = JSON.stringify(submission.data);
    const metadata = {
      $schema: METADATA_SCHEMA,
      contentStructure: {
        data: {
          submissionSchema: {
            schemaUri: settings.dataSchemaUri ?? `urn:srp:form:${submission.serviceIdentifier}`,
            mimeType: 'application/json',
          },
          hash: { type: 'sha512', content: sha512Hex(data) },
        },
        attachments: attachments.map((a) => ({
          attachmentId: a.id,
          hash: { type: 'sha512', content: sha512Hex(a.content) },
          purpose: 'attachment',
          filename: a.filename,
          mimeType: a.mediaType,
        })),
      },
      publicServiceType: serviceType,
      additionalReferenceInfo: {
        senderReference: submission.reference,
        applicationDate: new Date().toISOString().slice(0, 10),
      },
    };
    const response = await fetch(`${base}/v1/submissions/${encodeURIComponent(submissionId)}`, {
      method: 'PUT',
      headers,
      signal,
      body: JSON.stringify({
        encryptedMetadata: await encryptForDestination(
          settings.encryptionKey,
          JSON.stringify(metadata),
          'application/json',
        ),
        encryptedData: await encryptForDestination(settings.encryptionKey, data, 'application/json'),
      }),
    });
    // A retry after the submission went through: FIT-Connect answers that it is already submitted.
    if (response.status === 409) return { remoteId: submissionId, remoteStatus: 'submitted' };
    await checkResponse(response, 'submitting');
    return { remoteId: submissionId, remoteStatus: 'submitted' };
  },
};
