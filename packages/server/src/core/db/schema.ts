// Table types for Kysely, kept by hand beside the migrations (one interface per table).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown> | undefined,
  string | Record<string, unknown>
>;

export const ROLES = [
  'platform_admin',
  'municipal_admin',
  'process_designer',
  'caseworker',
  'building_yard',
  'club_admin',
  'club_member',
  'citizen',
] as const;
export type Role = (typeof ROLES)[number];

export interface RegionsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: string | null;
  created_at: CreatedAt;
}

export interface MunicipalitiesTable {
  id: Generated<string>;
  region_id: string;
  slug: string;
  name: string;
  ags: string | null;
  ars: string | null;
  coat_of_arms_url: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  address: string | null;
  website_url: string | null;
  privacy_url: string | null;
  imprint_url: string | null;
  accessibility_url: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type OrgUnitKind = 'department' | 'building_yard' | 'team' | 'club';
export interface OrgUnitsTable {
  id: Generated<string>;
  municipality_id: string;
  parent_id: string | null;
  kind: OrgUnitKind;
  name: string;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  home_municipality_id: string | null;
  password_hash: string | null;
  app_passwords_only: Generated<boolean>;
  status: Generated<'active' | 'disabled'>;
  locale: Generated<'de' | 'en'>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  last_login_at: Date | null;
}

export interface RoleGrantsTable {
  id: Generated<string>;
  user_id: string;
  role: Role;
  municipality_id: string | null;
  org_unit_id: string | null;
  reason: string | null;
  granted_by: string | null;
  valid_until: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  created_at: CreatedAt;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export type CredentialKind = 'api_key' | 'app_password';
export interface ApiCredentialsTable {
  id: Generated<string>;
  user_id: string;
  kind: CredentialKind;
  label: string;
  secret_hash: string;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  municipality_id: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PasswordResetTokensTable {
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AccountRegistrationsTable {
  id: Generated<string>;
  email: string;
  display_name: string;
  password_hash: string;
  locale: Generated<'de' | 'en'>;
  home_municipality_id: string;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface EmailChangeTokensTable {
  token_hash: string;
  user_id: string;
  new_email: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface LoginThrottleTable {
  key: string;
  window_start: Timestamp;
  failures: number;
}

export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: CreatedAt;
}

/** A single sign-on that was started and not yet completed; consumed by the callback. */
export interface OidcLoginStatesTable {
  state_hash: string;
  code_verifier: string;
  nonce: string;
  next_path: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor_user_id: string | null;
  actor_label: string;
  municipality_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  details: Json;
  ip: string | null;
  request_id: string | null;
}

export type JobStatus = 'pending' | 'running' | 'done' | 'dead';
export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload: Json;
  municipality_id: string | null;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_at: Timestamp;
  locked_until: Timestamp | null;
  locked_by: string | null;
  last_error: string | null;
  unique_key: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface PublicationsTable {
  municipality_id: string;
  resource_type: string;
  resource_id: string;
  published_at: CreatedAt;
  published_by: string | null;
}

type Id = Generated<number>;
type JsonValue = ColumnType<unknown, string | undefined | null, string | null>;
type JsonObjectOrNull = ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
type BBox = { min_x: number | null; min_y: number | null; max_x: number | null; max_y: number | null };

export interface SensorThingsTable {
  id: Id;
  municipality_id: string;
  name: string;
  description: Generated<string>;
  properties: JsonObjectOrNull;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SensorLocationsTable extends BBox {
  id: Id;
  municipality_id: string;
  name: string;
  description: Generated<string>;
  encoding_type: string;
  location: JsonValue;
  properties: JsonObjectOrNull;
}

export interface SensorThingLocationsTable {
  thing_id: number;
  location_id: number;
}

export interface SensorHistoricalLocationsTable {
  id: Id;
  municipality_id: string;
  thing_id: number;
  time: Timestamp;
}

export interface SensorHistoricalLocationLocationsTable {
  historical_location_id: number;
  location_id: number;
}

export interface SensorSensorsTable {
  id: Id;
  municipality_id: string;
  name: string;
  description: Generated<string>;
  encoding_type: string;
  metadata: string;
  properties: JsonObjectOrNull;
}

export interface SensorObservedPropertiesTable {
  id: Id;
  municipality_id: string;
  name: string;
  definition: string;
  description: Generated<string>;
  properties: JsonObjectOrNull;
}

interface DatastreamColumns {
  id: Id;
  municipality_id: string;
  thing_id: number;
  sensor_id: number;
  name: string;
  description: Generated<string>;
  observation_type: string;
  observed_area: JsonValue;
  /** observedArea's box as numbers (min x, min y, max x, max y), kept with it at ingest. */
  observed_bbox: Generated<number[] | null>;
  phenomenon_time_start: Timestamp | null;
  phenomenon_time_end: Timestamp | null;
  result_time_start: Timestamp | null;
  result_time_end: Timestamp | null;
  properties: JsonObjectOrNull;
}

export interface SensorDatastreamsTable extends DatastreamColumns {
  observed_property_id: number;
  unit_of_measurement: JsonValue;
}

export interface SensorMultiDatastreamsTable extends DatastreamColumns {
  multi_observation_data_types: string[];
  unit_of_measurements: JsonValue;
}

export interface SensorMultiDatastreamObservedPropertiesTable {
  multi_datastream_id: number;
  observed_property_id: number;
  position: number;
}

export interface SensorFeaturesOfInterestTable extends BBox {
  id: Id;
  municipality_id: string;
  name: string;
  description: Generated<string>;
  encoding_type: string;
  feature: JsonValue;
  properties: JsonObjectOrNull;
}

export interface SensorLocationFeaturesTable {
  location_id: number;
  feature_of_interest_id: number;
}

export interface SensorObservationsTable {
  id: Id;
  municipality_id: string;
  datastream_id: number | null;
  multi_datastream_id: number | null;
  feature_of_interest_id: number | null;
  phenomenon_time_start: Timestamp;
  phenomenon_time_end: Timestamp | null;
  result_time: Timestamp | null;
  result_number: number | null;
  result: JsonValue;
  result_quality: JsonValue;
  valid_time_start: Timestamp | null;
  valid_time_end: Timestamp | null;
  parameters: JsonObjectOrNull;
}

export type TaskStatus = 'open' | 'in_progress' | 'done' | 'cancelled';
export type TaskPriority = 'low' | 'normal' | 'high' | 'urgent';
export interface TasksTable {
  id: Generated<string>;
  municipality_id: string;
  team_id: string | null;
  source_type: string;
  source_id: string;
  title: string;
  description: Generated<string>;
  status: Generated<TaskStatus>;
  priority: Generated<TaskPriority>;
  assignee_id: string | null;
  due_at: Timestamp | null;
  latitude: number | null;
  longitude: number | null;
  location_label: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  completed_at: Timestamp | null;
  completed_by: string | null;
  completion_note: string | null;
}

export interface TaskCommentsTable {
  id: Generated<string>;
  task_id: string;
  author_id: string | null;
  body: string;
  created_at: CreatedAt;
}

/** Newest observation per Datastream, maintained in the insert transaction (migration 0005). */
export interface SensorLatestTable {
  datastream_id: number;
  observation_id: number;
  phenomenon_time: Timestamp;
  result_number: number | null;
  result: JsonValue;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type RollupWidth = '5min' | 'hour' | 'day' | 'month';

/** count/sum/min/max of numeric results per Datastream and bucket, maintained at ingest. */
export interface SensorRollupsTable {
  datastream_id: number;
  bucket_width: RollupWidth;
  bucket_start: Timestamp;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Newest observation per MultiDatastream, maintained in the insert transaction (migration 0024). */
export interface SensorMultiLatestTable {
  multi_datastream_id: number;
  observation_id: number;
  phenomenon_time: Timestamp;
  result: JsonValue;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** count/sum/min/max of each numeric component of MultiDatastream results per bucket (migration 0024). */
export interface SensorMultiRollupsTable {
  multi_datastream_id: number;
  bucket_width: RollupWidth;
  bucket_start: Timestamp;
  component: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Per-Datastream retention overrides in days; null = configured default, 0 = keep forever. */
export interface SensorRetentionPoliciesTable {
  datastream_id: number;
  raw_days: number | null;
  rollup_5min_days: number | null;
}

export type NetworkServer = 'tts' | 'chirpstack';
export interface LorawanIntegrationsTable {
  id: Generated<string>;
  municipality_id: string;
  name: string;
  network_server: NetworkServer;
  secret_hash: string;
  chirpstack_application_id: string | null;
  created_at: CreatedAt;
}

export type DeviceStatus = 'active' | 'disabled';
export interface SensorDevicesTable {
  id: Id;
  municipality_id: string;
  integration_id: string | null;
  dev_eui: string;
  name: string;
  profile: string;
  thing_id: number;
  field_map: Json;
  mounting: Json;
  status: Generated<DeviceStatus>;
  last_seen_at: Timestamp | null;
  battery_mv: number | null;
  battery_percent: number | null;
  rssi: number | null;
  snr: number | null;
  f_cnt: number | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SensorDeviceUplinksTable {
  device_id: number;
  dedup_key: string;
  f_cnt: number | null;
  received_at: Timestamp;
}

export type QuarantineStatus = 'open' | 'released' | 'discarded';
export interface SensorQuarantineTable {
  id: Id;
  municipality_id: string;
  integration_id: string | null;
  device_id: number | null;
  dev_eui: string | null;
  source: string;
  reason: string;
  detail: Generated<string>;
  payload: JsonValue;
  received_at: CreatedAt;
  status: Generated<QuarantineStatus>;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
}

export interface SensorProfileDecodersTable {
  municipality_id: string;
  profile: string;
  code: string;
  updated_at: Generated<Date>;
}

export interface SensorBackfillChunksTable {
  chunk_key: string;
  observations: number;
  done_at: CreatedAt;
}

// egov-connect (0015): SAML state, payments, connector destinations and deliveries.
export interface SamlRequestsTable {
  request_id: string;
  next_path: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SamlSeenAssertionsTable {
  assertion_id: string;
  expires_at: Timestamp;
}

export type PaymentStatus = 'open' | 'pending' | 'paid' | 'failed' | 'cancelled' | 'expired';
export interface PaymentsTable {
  id: Generated<string>;
  municipality_id: string;
  source_type: string;
  source_id: string;
  reference: string;
  purpose: string;
  amount_cents: number;
  currency: Generated<string>;
  provider: string;
  status: Generated<PaymentStatus>;
  link_token_hash: string;
  provider_transaction_id: string | null;
  return_url: string | null;
  payer_email: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  expires_at: Timestamp;
  paid_at: Timestamp | null;
}

export type ConnectorKind = 'fit-connect' | 'webhook' | 'xml';
export interface ConnectorDestinationsTable {
  id: Generated<string>;
  municipality_id: string;
  service_key: string;
  kind: ConnectorKind;
  name: string;
  settings: Json;
  enabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type DeliveryStatus = 'queued' | 'delivered' | 'failed' | 'accepted' | 'rejected';
export interface ConnectorDeliveriesTable {
  id: Generated<string>;
  municipality_id: string;
  destination_id: string;
  source_type: string;
  source_id: string;
  submission: Json;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  job_id: number | null;
  remote_id: string | null;
  remote_status: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  delivered_at: Timestamp | null;
  /** Sending round: 1, then one more for each redelivery of a rejected delivery (migration 0029). */
  round: Generated<number>;
  /** Remote ids of earlier rounds; late callbacks about them change nothing. */
  earlier_remote_ids: Generated<string[]>;
}
/** A dashboard tile: draft and published configuration (dashboard/tile.model.ts), migration 0011. */
export interface DashboardTilesTable {
  id: Generated<string>;
  municipality_id: string;
  on_region: Generated<boolean>;
  position: Generated<number>;
  draft: Json;
  published: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  published_at: Timestamp | null;
  version: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type DashboardTileAction = 'created' | 'saved' | 'published' | 'withdrawn';
export interface DashboardTileVersionsTable {
  id: Id;
  tile_id: string;
  version: number;
  municipality_id: string;
  action: DashboardTileAction;
  config: Json;
  actor_id: string | null;
  actor_name: string | null;
  created_at: CreatedAt;
}

export interface OpenDataLicencesTable {
  datastream_id: number;
  municipality_id: string;
  licence_uri: string;
  attribution: string | null;
  updated_at: Generated<Date>;
}

// Participation (migration 0013): news and pages, reports, feedback.
type TextArray = ColumnType<string[], string[] | undefined, string[]>;
export type PostKind = 'news' | 'page';
export type PageRole = 'accessibility' | 'privacy' | 'imprint' | 'plain_language';
export interface ParticipationPostsTable {
  id: Generated<string>;
  region_id: string;
  municipality_id: string | null;
  kind: PostKind;
  page_role: PageRole | null;
  slug: string;
  title: string;
  summary: Generated<string>;
  body_markdown: Generated<string>;
  body_html: Generated<string>;
  /** 'markdown' (rendered on save) or 'html' (written in the rich-text editor, sanitised on save). */
  body_format: Generated<'markdown' | 'html'>;
  fields_of_action: TextArray;
  status: Generated<'draft' | 'published'>;
  publish_at: Timestamp | null;
  author_id: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ParticipationImagesTable {
  id: Generated<string>;
  region_id: string;
  municipality_id: string | null;
  file_key: string;
  content_type: string;
  size: number;
  alt: Generated<string>;
  created_by: string | null;
  created_at: CreatedAt;
}

/** The built-in gazetteer for the address search of reports (migration 0020). */
export interface ParticipationPlacesTable {
  id: Generated<string>;
  municipality_id: string;
  kind: 'street' | 'place';
  name: string;
  search_name: string;
  lat: number;
  lon: number;
}

export interface ParticipationBoundariesTable {
  municipality_id: string;
  geometry: JsonValue;
  min_lat: number;
  min_lon: number;
  max_lat: number;
  max_lon: number;
  updated_at: Generated<Date>;
}

export interface ReportCategoriesTable {
  id: Generated<string>;
  municipality_id: string;
  code: string;
  name: string;
  description: Generated<string>;
  keywords: TextArray;
  team_id: string | null;
  attributes: JsonValue;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export type ReportStatus = 'open' | 'acknowledged' | 'in_progress' | 'closed';
export interface ReportsTable {
  id: Generated<string>;
  number: ColumnType<number, never, never>;
  municipality_id: string;
  category_id: string;
  team_id: string | null;
  tracking_token_hash: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  attributes: JsonValue;
  media_url: string | null;
  status: Generated<ReportStatus>;
  status_note: string | null;
  reporter_name: string | null;
  reporter_email: string | null;
  reporter_phone: string | null;
  reporter_user_id: string | null;
  duplicate_of: string | null;
  task_id: string | null;
  channel: Generated<'web' | 'open311'>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  closed_at: Timestamp | null;
}

export interface ReportPhotosTable {
  id: Generated<string>;
  report_id: string;
  municipality_id: string;
  file_key: string;
  content_type: string;
  size: number;
  approved: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ReportCommentsTable {
  id: Generated<string>;
  report_id: string;
  municipality_id: string;
  author_id: string | null;
  visibility: 'public' | 'internal';
  body: string;
  created_at: CreatedAt;
}

export interface ParticipationFeedbackTable {
  id: Generated<string>;
  region_id: string;
  municipality_id: string | null;
  kind: 'feedback' | 'idea';
  title: string;
  body: string;
  author_name: string | null;
  author_email: string | null;
  status: Generated<'new' | 'published' | 'hidden'>;
  answer: string | null;
  answered_by: string | null;
  answered_at: Timestamp | null;
  created_at: CreatedAt;
}
// Online services (egov, migration 0014).
export type EgovVersionStatus = 'draft' | 'published' | 'retired';
export interface EgovServicesTable {
  id: Generated<string>;
  region_id: string;
  slug: string;
  leika_key: string;
  created_at: CreatedAt;
}
export interface EgovServiceVersionsTable {
  id: Generated<string>;
  service_id: string;
  version: number;
  status: Generated<EgovVersionStatus>;
  name: string;
  description: Generated<string>;
  form_schema: Json;
  bpmn_xml: string;
  fee_rules: ColumnType<unknown[], string | undefined, string>;
  required_documents: ColumnType<unknown[], string | undefined, string>;
  allow_anonymous: Generated<boolean>;
  retention_days: Generated<number>;
  processing_days: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  published_at: Date | null;
}
export interface EgovMunicipalityServicesTable {
  municipality_id: string;
  service_id: string;
  enabled: Generated<boolean>;
  responsible_office: Generated<string>;
  contact_email: string | null;
  contact_phone: string | null;
  fee_overrides: Json;
  team_id: string | null;
  updated_at: Generated<Date>;
}
export interface EgovMunicipalityKeysTable {
  municipality_id: string;
  wrapped_key: string;
  created_at: CreatedAt;
}
export type EgovCaseStatus =
  'draft' | 'received' | 'in_progress' | 'action_required' | 'completed' | 'rejected';
export interface EgovCasesTable {
  id: Generated<string>;
  municipality_id: string;
  service_version_id: string;
  reference: string;
  status: Generated<EgovCaseStatus>;
  test_mode: Generated<boolean>;
  citizen_user_id: string | null;
  resume_token_hash: string | null;
  data_encrypted: string;
  engine_state_encrypted: string | null;
  engine_revision: Generated<number>;
  fee_cents: Generated<number>;
  assignee_id: string | null;
  due_at: Date | null;
  submitted_at: Date | null;
  closed_at: Date | null;
  delete_after: Date | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export interface EgovCaseMessagesTable {
  id: Generated<string>;
  case_id: string;
  municipality_id: string;
  sender: 'citizen' | 'staff' | 'system';
  author_id: string | null;
  body_encrypted: string;
  created_at: CreatedAt;
}
export interface EgovCaseFilesTable {
  id: Generated<string>;
  case_id: string;
  municipality_id: string;
  kind: 'attachment' | 'receipt' | 'document';
  field_key: string | null;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  storage_key: string;
  created_at: CreatedAt;
}
export type EgovServiceVersion = Selectable<EgovServiceVersionsTable>;
export type EgovCase = Selectable<EgovCasesTable>;
export type EgovCaseFile = Selectable<EgovCaseFilesTable>;

export interface DB extends CloudTables, MeetingTables {
  regions: RegionsTable;
  municipalities: MunicipalitiesTable;
  org_units: OrgUnitsTable;
  users: UsersTable;
  role_grants: RoleGrantsTable;
  sessions: SessionsTable;
  api_credentials: ApiCredentialsTable;
  password_reset_tokens: PasswordResetTokensTable;
  account_registrations: AccountRegistrationsTable;
  email_change_tokens: EmailChangeTokensTable;
  login_throttle: LoginThrottleTable;
  user_identities: UserIdentitiesTable;
  oidc_login_states: OidcLoginStatesTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  publications: PublicationsTable;
  sensor_things: SensorThingsTable;
  sensor_locations: SensorLocationsTable;
  sensor_thing_locations: SensorThingLocationsTable;
  sensor_historical_locations: SensorHistoricalLocationsTable;
  sensor_historical_location_locations: SensorHistoricalLocationLocationsTable;
  sensor_sensors: SensorSensorsTable;
  sensor_observed_properties: SensorObservedPropertiesTable;
  sensor_datastreams: SensorDatastreamsTable;
  sensor_multi_datastreams: SensorMultiDatastreamsTable;
  sensor_multi_datastream_observed_properties: SensorMultiDatastreamObservedPropertiesTable;
  sensor_features_of_interest: SensorFeaturesOfInterestTable;
  sensor_location_features: SensorLocationFeaturesTable;
  sensor_observations: SensorObservationsTable;
  tasks: TasksTable;
  task_comments: TaskCommentsTable;
  sensor_latest: SensorLatestTable;
  sensor_rollups: SensorRollupsTable;
  sensor_multi_latest: SensorMultiLatestTable;
  sensor_multi_rollups: SensorMultiRollupsTable;
  sensor_retention_policies: SensorRetentionPoliciesTable;
  lorawan_integrations: LorawanIntegrationsTable;
  sensor_devices: SensorDevicesTable;
  sensor_device_uplinks: SensorDeviceUplinksTable;
  sensor_quarantine: SensorQuarantineTable;
  sensor_profile_decoders: SensorProfileDecodersTable;
  sensor_backfill_chunks: SensorBackfillChunksTable;
  rules: RulesTable;
  rule_datastreams: RuleDatastreamsTable;
  rule_states: RuleStatesTable;
  alerts: AlertsTable;
  alert_comments: AlertCommentsTable;
  public_warnings: PublicWarningsTable;
  warning_subscriptions: WarningSubscriptionsTable;
  webpush_vapid_keys: WebpushVapidKeysTable;
  saml_requests: SamlRequestsTable;
  saml_seen_assertions: SamlSeenAssertionsTable;
  payments: PaymentsTable;
  connector_destinations: ConnectorDestinationsTable;
  connector_deliveries: ConnectorDeliveriesTable;
  dashboard_tiles: DashboardTilesTable;
  dashboard_tile_versions: DashboardTileVersionsTable;
  open_data_licences: OpenDataLicencesTable;
  participation_posts: ParticipationPostsTable;
  participation_images: ParticipationImagesTable;
  participation_boundaries: ParticipationBoundariesTable;
  report_categories: ReportCategoriesTable;
  reports: ReportsTable;
  report_photos: ReportPhotosTable;
  report_comments: ReportCommentsTable;
  participation_feedback: ParticipationFeedbackTable;
  participation_places: ParticipationPlacesTable;
  egov_services: EgovServicesTable;
  egov_service_versions: EgovServiceVersionsTable;
  egov_municipality_services: EgovMunicipalityServicesTable;
  egov_municipality_keys: EgovMunicipalityKeysTable;
  egov_cases: EgovCasesTable;
  egov_case_messages: EgovCaseMessagesTable;
  egov_case_files: EgovCaseFilesTable;
}

export type Region = Selectable<RegionsTable>;
export type Municipality = Selectable<MunicipalitiesTable>;
export type NewMunicipality = Insertable<MunicipalitiesTable>;
export type MunicipalityUpdate = Updateable<MunicipalitiesTable>;
export type OrgUnit = Selectable<OrgUnitsTable>;
export type User = Selectable<UsersTable>;
export type RoleGrant = Selectable<RoleGrantsTable>;
export type ApiCredential = Selectable<ApiCredentialsTable>;
export type Job = Selectable<JobsTable>;
export type OidcLoginState = Selectable<OidcLoginStatesTable>;

export type Task = Selectable<TasksTable>;
export type TaskComment = Selectable<TaskCommentsTable>;

// Rules, alerts and warnings (migration 0010).
export type WarningLevel = 'minor' | 'moderate' | 'severe' | 'extreme';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
type JsonColumn<T> = ColumnType<T, string, string>;
export interface RulesTable {
  id: Generated<string>;
  municipality_id: string;
  name: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  shared: Generated<boolean>;
  severity: Generated<WarningLevel>;
  condition: JsonColumn<unknown>;
  schedule: JsonColumn<unknown> | null;
  actions: JsonColumn<unknown>;
  damping_minutes: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export interface RuleDatastreamsTable {
  rule_id: string;
  datastream_id: number;
}
export interface RuleStatesTable {
  rule_id: string;
  subject: string;
  state: JsonColumn<unknown>;
  active: Generated<boolean>;
  updated_at: Generated<Date>;
}
export interface AlertsTable {
  id: Generated<string>;
  municipality_id: string;
  rule_id: string;
  subject: string;
  status: Generated<AlertStatus>;
  severity: WarningLevel;
  title: string;
  message: Generated<string>;
  value: number | null;
  opened_at: Generated<Date>;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  escalated_at: Timestamp | null;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  resolution: 'cleared' | 'task_done' | 'manual' | null;
  reopen_count: Generated<number>;
  updated_at: Generated<Date>;
}
export interface AlertCommentsTable {
  id: Generated<string>;
  alert_id: string;
  author_id: string | null;
  body: string;
  created_at: CreatedAt;
}
export interface PublicWarningsTable {
  id: Generated<string>;
  municipality_id: string;
  alert_id: string | null;
  level: WarningLevel;
  title: string;
  text: string;
  area_description: string | null;
  area: JsonColumn<unknown> | null;
  valid_from: Timestamp;
  valid_until: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export interface WarningSubscriptionsTable {
  id: Generated<string>;
  municipality_id: string;
  channel: 'email' | 'webpush';
  email: string | null;
  push_endpoint: string | null;
  push_keys: JsonColumn<{ p256dh: string; auth: string }> | null;
  token_hash: string;
  confirmed_at: Timestamp | null;
  created_at: CreatedAt;
}
export interface WebpushVapidKeysTable {
  id: number;
  public_key: string;
  private_key: string;
  created_at: CreatedAt;
}
export type RuleRow = Selectable<RulesTable>;
export type AlertRow = Selectable<AlertsTable>;
export type PublicWarningRow = Selectable<PublicWarningsTable>;
export type WarningSubscriptionRow = Selectable<WarningSubscriptionsTable>;
export type Payment = Selectable<PaymentsTable>;
export type ConnectorDestination = Selectable<ConnectorDestinationsTable>;
export type ConnectorDelivery = Selectable<ConnectorDeliveriesTable>;
// Club cloud (migration 0012).
export type ClubStatus = 'applied' | 'active' | 'rejected' | 'deleting';
export type ClubMemberRole = 'admin' | 'member';
export type FileAccess = 'none' | 'read' | 'write';
type BigCount = ColumnType<number, number | undefined, number>;
export interface ClubsTable {
  id: Generated<string>;
  municipality_id: string;
  slug: string;
  name: string;
  register_number: string | null;
  status: Generated<ClubStatus>;
  quota_bytes: BigCount;
  used_bytes: BigCount;
  contact_email: string | null;
  applied_by: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  default_member_access: Generated<FileAccess>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export interface ClubMembersTable {
  club_id: string;
  user_id: string;
  role: ClubMemberRole;
  created_at: CreatedAt;
}
export interface ClubGroupsTable {
  id: Generated<string>;
  club_id: string;
  name: string;
  file_access: Generated<FileAccess>;
  may_manage_members: Generated<boolean>;
  created_at: CreatedAt;
}
export interface ClubGroupMembersTable {
  group_id: string;
  user_id: string;
}
export interface ClubInvitationsTable {
  id: Generated<string>;
  club_id: string;
  email: string;
  role: ClubMemberRole;
  token_hash: string;
  invited_by: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  created_at: CreatedAt;
}
export type SupportStatus = 'open' | 'answered' | 'closed';
export interface ClubSupportRequestsTable {
  id: Generated<string>;
  club_id: string;
  municipality_id: string;
  subject: string;
  status: Generated<SupportStatus>;
  created_by: string | null;
  task_id: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export interface ClubSupportMessagesTable {
  id: Generated<string>;
  request_id: string;
  author_id: string | null;
  from_staff: boolean;
  body: string;
  created_at: CreatedAt;
}
export interface CloudNodesTable {
  id: Generated<string>;
  club_id: string;
  parent_id: string | null;
  name: string;
  kind: 'folder' | 'file';
  size: BigCount;
  content_type: string | null;
  blob_key: string | null;
  sha256: string | null;
  etag: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  modified_at: Generated<Date>;
  deleted_at: Date | null;
  deleted_by: string | null;
  trashed: Generated<boolean>;
}
export interface CloudVersionsTable {
  id: Generated<string>;
  node_id: string;
  blob_key: string;
  size: number;
  sha256: string | null;
  content_type: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}
export interface CloudPropertiesTable {
  node_id: string;
  namespace: string;
  name: string;
  value: string;
}
export interface CloudLocksTable {
  token: string;
  club_id: string;
  path: string;
  depth: '0' | 'infinity';
  scope: 'exclusive' | 'shared';
  owner_xml: string | null;
  user_id: string | null;
  timeout_seconds: number;
  expires_at: Date;
  created_at: CreatedAt;
}
export interface CloudSharesTable {
  id: Generated<string>;
  club_id: string;
  node_id: string;
  group_id: string | null;
  user_id: string | null;
  access: 'read' | 'write';
  created_by: string | null;
  created_at: CreatedAt;
}
export interface CloudPublicLinksTable {
  id: Generated<string>;
  club_id: string;
  node_id: string;
  token_hash: string;
  mode: 'read' | 'upload_only';
  password_hash: string | null;
  expires_at: Date | null;
  created_by: string | null;
  created_at: CreatedAt;
  revoked_at: Date | null;
  revoked_by: string | null;
}
export interface CloudTables {
  clubs: ClubsTable;
  club_members: ClubMembersTable;
  club_groups: ClubGroupsTable;
  club_group_members: ClubGroupMembersTable;
  club_invitations: ClubInvitationsTable;
  club_support_requests: ClubSupportRequestsTable;
  club_support_messages: ClubSupportMessagesTable;
  cloud_nodes: CloudNodesTable;
  cloud_versions: CloudVersionsTable;
  cloud_properties: CloudPropertiesTable;
  cloud_locks: CloudLocksTable;
  cloud_shares: CloudSharesTable;
  cloud_public_links: CloudPublicLinksTable;
}
export type Club = Selectable<ClubsTable>;
export type ClubGroup = Selectable<ClubGroupsTable>;
export type ClubSupportRequest = Selectable<ClubSupportRequestsTable>;
export type ClubSupportMessage = Selectable<ClubSupportMessagesTable>;
export type CloudNode = Selectable<CloudNodesTable>;
export type CloudVersion = Selectable<CloudVersionsTable>;
export type CloudLock = Selectable<CloudLocksTable>;
export type CloudPublicLink = Selectable<CloudPublicLinksTable>;
export type ParticipationPost = Selectable<ParticipationPostsTable>;
export type ReportCategory = Selectable<ReportCategoriesTable>;
export type Report = Selectable<ReportsTable>;
export type ReportPhoto = Selectable<ReportPhotosTable>;
export type ReportComment = Selectable<ReportCommentsTable>;
export type Feedback = Selectable<ParticipationFeedbackTable>;

// Work depots: where a team's round starts (migration 0019).
export interface WorkDepotsTable {
  org_unit_id: string;
  municipality_id: string;
  latitude: number;
  longitude: number;
  label: string | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}
export interface DB {
  work_depots: WorkDepotsTable;
}
export type WorkDepot = Selectable<WorkDepotsTable>;
// Club video meetings (migration 0018).
export interface CloudMeetingRoomsTable {
  id: Generated<string>;
  municipality_id: string;
  club_id: string;
  name: string;
  waiting_room: Generated<boolean>;
  guest_token_hash: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}
export interface MeetingTables {
  cloud_meeting_rooms: CloudMeetingRoomsTable;
}
export type MeetingRoom = Selectable<CloudMeetingRoomsTable>;
// Club calendars (migration 0016, cloud/calendar/): merged into DB by declaration merging.
export interface CloudCalendarsTable {
  id: Generated<string>;
  club_id: string;
  municipality_id: string;
  slug: string;
  name: string;
  description: string | null;
  color: string | null;
  revision: BigCount;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}
export type CalendarComponent = 'VEVENT' | 'VTODO' | 'VJOURNAL';
export interface CloudCalendarObjectsTable {
  id: Generated<string>;
  calendar_id: string;
  municipality_id: string;
  name: string;
  uid: string;
  component: CalendarComponent;
  ical: string;
  etag: string;
  summary: string | null;
  first_start: Date | null;
  last_end: Date | null;
  recurring: Generated<boolean>;
  public: Generated<boolean>;
  created_by: string | null;
  created_at: CreatedAt;
  modified_at: Generated<Date>;
}
export interface CloudCalendarChangesTable {
  calendar_id: string;
  revision: number;
  name: string;
  deleted: boolean;
  changed_at: CreatedAt;
}
export interface DB {
  cloud_calendars: CloudCalendarsTable;
  cloud_calendar_objects: CloudCalendarObjectsTable;
  cloud_calendar_changes: CloudCalendarChangesTable;
}
export type CloudCalendar = Selectable<CloudCalendarsTable>;
export type CloudCalendarObject = Selectable<CloudCalendarObjectsTable>;

// Resumable uploads of the club cloud (migration 0027).
export interface CloudUploadsTable {
  id: string;
  club_id: string;
  user_id: string | null;
  created_at: CreatedAt;
  lock_token: string | null;
  locked_until: Date | null;
}
export interface DB {
  cloud_uploads: CloudUploadsTable;
}

// Club exports (migration 0028).
export type CloudExportStatus = 'queued' | 'running' | 'done' | 'failed';
export interface CloudExportsTable {
  id: Generated<string>;
  club_id: string;
  municipality_id: string;
  status: Generated<CloudExportStatus>;
  files_done: Generated<number>;
  files_total: Generated<number>;
  blob_key: string | null;
  size: number | null;
  error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  expires_at: Date;
}
export type CloudExport = Selectable<CloudExportsTable>;
export interface DB {
  cloud_exports: CloudExportsTable;
}

// Deletion requests of club admins (migration 0030).
export type ClubDeletionRequestStatus = 'pending' | 'confirmed' | 'declined' | 'withdrawn';
export interface ClubDeletionRequestsTable {
  id: Generated<string>;
  club_id: string;
  municipality_id: string;
  status: Generated<ClubDeletionRequestStatus>;
  note: string | null;
  requested_by: string | null;
  task_id: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  created_at: CreatedAt;
  decided_at: Date | null;
}
export type ClubDeletionRequest = Selectable<ClubDeletionRequestsTable>;
export interface DB {
  club_deletion_requests: ClubDeletionRequestsTable;
}
