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
