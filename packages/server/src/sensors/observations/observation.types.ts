/** An observation as every ingestion path hands it over (SensorThings HTTP and MQTT, LoRaWAN, bulk). */
export interface ObservationInput {
  /** Exactly one of datastreamId and multiDatastreamId. */
  datastreamId?: number;
  multiDatastreamId?: number;
  phenomenonTime: { start: Date; end: Date | null };
  resultTime?: Date | null;
  /** A number for most sensors; anything JSON for others (an array for a MultiDatastream). */
  result: unknown;
  resultQuality?: unknown;
  validTime?: { start: Date; end: Date } | null;
  parameters?: Record<string, unknown> | null;
  /** When absent, the FeatureOfInterest is derived from the Thing's current Location. */
  featureOfInterestId?: number | null;
}

/** What listeners (rules, live dashboards, MQTT subscriptions) learn about stored observations. */
export interface StoredObservation {
  id: number;
  municipalityId: string;
  datastreamId: number | null;
  multiDatastreamId: number | null;
  phenomenonTimeStart: Date;
  phenomenonTimeEnd: Date | null;
  resultTime: Date | null;
  result: unknown;
  /** The rest of what was stored, so listeners can show the Observation without reading it back. */
  resultQuality: unknown;
  validTimeStart: Date | null;
  validTimeEnd: Date | null;
  parameters: Record<string, unknown> | null;
  featureOfInterestId: number;
  /** Set on the first Observation whose FeatureOfInterest was created for it (from the Thing's Location). */
  featureCreated?: true;
}
