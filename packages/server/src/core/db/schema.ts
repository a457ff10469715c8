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

export interface DB {
  regions: RegionsTable;
  municipalities: MunicipalitiesTable;
  org_units: OrgUnitsTable;
  users: UsersTable;
  role_grants: RoleGrantsTable;
  sessions: SessionsTable;
  api_credentials: ApiCredentialsTable;
  password_reset_tokens: PasswordResetTokensTable;
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
  sensor_retention_policies: SensorRetentionPoliciesTable;
  lorawan_integrations: LorawanIntegrationsTable;
  sensor_devices: SensorDevicesTable;
  sensor_device_uplinks: SensorDeviceUplinksTable;
  sensor_quarantine: SensorQuarantineTable;
  sensor_profile_decoders: SensorProfileDecodersTable;
  sensor_backfill_chunks: SensorBackfillChunksTable;
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
