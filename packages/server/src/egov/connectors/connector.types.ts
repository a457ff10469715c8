// The port between the case workflow and the specialised software (Fachverfahren): what a submission is,
// how each destination kind is configured, and what a connector must do. Connectors only deliver; the
// ConnectorService keeps the delivery records, retries and status.
import type { ConnectorDestination, ConnectorKind, DeliveryStatus } from '../../core/db/schema.js';

/** An attachment of a submission: bytes in the platform's file storage (ctx.files). */
export interface SubmissionAttachment {
  /** Key in ctx.files, under the municipality's prefix (`m/<municipalityId>/…`). */
  fileKey: string;
  filename: string;
  mediaType: string;
}

/** What a case hands to its destination. `data` is the form data (Fachdaten) as JSON. */
export interface Submission {
  /** The case's reference number, shown to the specialised software. */
  reference: string;
  /** LeiKa key or another service identifier, e.g. `urn:de:fim:leika:leistung:99050012104000`. */
  serviceIdentifier: string;
  serviceName: string;
  data: Record<string, unknown>;
  attachments: SubmissionAttachment[];
}

export interface FitConnectSettings {
  /** Base URL of the FIT-Connect Submission API (or a compatible receiver). */
  submissionApiUrl: string;
  destinationId: string;
  /** The destination's public encryption key (JWK, RSA, for RSA-OAEP-256). */
  encryptionKey: Record<string, unknown>;
  /** Shared secret for the HMAC-SHA512 `callback-authentication` header of incoming callbacks. */
  callbackSecret: string;
  /** Optional bearer token for the Submission API (FIT-Connect issues it via OAuth client credentials). */
  accessToken?: string;
  /** URI of the schema the data follows (metadata `submissionSchema.schemaUri`). */
  dataSchemaUri?: string;
}

export interface WebhookSettings {
  url: string;
  /** HMAC secret: outgoing requests carry X-SRP-Signature, incoming status updates must too. */
  secret: string;
}

export interface XmlSettings {
  url: string;
  secret: string;
  /** XML with `{{path.to.value}}` placeholders (escaped), filled from the submission. */
  template: string;
  /** The XSD the generated document must satisfy before it is sent. */
  xsd: string;
  mediaType?: string;
}

export type DestinationSettings = FitConnectSettings | WebhookSettings | XmlSettings;

export interface DeliveryResult {
  /** The receiver's id of the submission (FIT-Connect submissionId), for status callbacks. */
  remoteId: string | null;
  remoteStatus: string | null;
}

/** Bytes of one attachment, read by the service from the file storage. */
export interface LoadedAttachment extends SubmissionAttachment {
  content: Buffer;
}

export interface DeliveryAttempt {
  deliveryId: string;
  /**
   * Idempotency key of this sending round: the delivery id, then `<id>.<round>` after a redelivery of a
   * rejected delivery. Retries within a round repeat it (the receiver de-duplicates); a new round is new.
   */
  idempotencyKey: string;
  destination: ConnectorDestination;
  submission: Submission;
  attachments: LoadedAttachment[];
  /** The remote id saved by an earlier attempt (resume instead of sending twice). */
  remoteId: string | null;
  /** Saves the remote id as soon as the receiver assigned one, before the rest of the delivery. */
  rememberRemoteId(remoteId: string): Promise<void>;
  signal: AbortSignal;
}

/** One kind of destination. Throw DeliveryRefused when retrying cannot help (bad settings, 4xx). */
export interface Connector {
  kind: ConnectorKind;
  validateSettings(settings: Record<string, unknown>): Promise<string[]>;
  deliver(attempt: DeliveryAttempt): Promise<DeliveryResult>;
}

/** The receiver said no for good (4xx other than 408/429, invalid settings): no retry. */
export class DeliveryRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryRefused';
  }
}

/** Emitted when a delivery's status changes; the case model subscribes to update its case. */
export interface DeliveryStatusChanged {
  deliveryId: string;
  municipalityId: string;
  sourceType: string;
  sourceId: string;
  /** Sending round (1, then one more per redelivery of a rejected delivery). */
  round: number;
  status: DeliveryStatus;
  remoteStatus: string | null;
  message: string | null;
}

/** The idempotency key of one sending round of a delivery (the plain id for the first round). */
export function deliveryRoundKey(deliveryId: string, round: number): string {
  return round > 1 ? `${deliveryId}.${round}` : deliveryId;
}

/** Throws DeliveryRefused for 4xx answers (except timeouts and throttling), Error for the rest. */
export async function checkResponse(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = (await response.text().catch(() => '')).slice(0, 300);
  const message = `${what}: HTTP ${response.status} ${text}`.trim();
  if (response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status)) {
    throw new DeliveryRefused(message);
  }
  throw new Error(message);
}
