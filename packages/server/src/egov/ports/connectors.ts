// The connectors port: where a case goes after the municipality decided (a specialised software,
// "Fachverfahren"). A service task `${environment.services.sendToConnector}` enqueues a delivery job;
// the job hands the case to the connector configured for the service and municipality, with retries
// and dead letters from the job queue. The shipped connector keeps the case in the platform (the work
// inbox is where it is handled). FIT-Connect (JWE), webhook-with-HMAC and XÖV/XML connectors
// implement this interface later; `statusCallback` is how their status updates come back.
export interface DeliveryPayload {
  caseId: string;
  municipalityId: string;
  reference: string;
  serviceSlug: string;
  leikaKey: string;
  submittedAt: string | null;
  data: Record<string, unknown>;
  attachments: { id: string; fileName: string; contentType: string; sha256: string; size: number }[];
}

export interface DeliveryResult {
  delivered: boolean;
  /** The receiver's id for the submission, if it gave one. */
  receiverReference?: string;
}

export interface Connector {
  readonly id: string;
  deliver(payload: DeliveryPayload, signal: AbortSignal): Promise<DeliveryResult>;
}

export const platformInboxConnector: Connector = {
  id: 'platform-inbox',
  deliver: () => Promise.resolve({ delivered: true }),
};

/** Resolves the connector of a service in a municipality; one registry per process. */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, Connector>([[platformInboxConnector.id, platformInboxConnector]]);

  register(connector: Connector): void {
    this.#connectors.set(connector.id, connector);
  }

  /** Until per-service configuration exists, every service delivers to the platform inbox. */
  connectorFor(_municipalityId: string, _serviceSlug: string): Connector {
    return this.#connectors.get(platformInboxConnector.id)!;
  }
}
