// Configuration is read once at boot from the environment, checked against one schema, and then passed
// around as a plain object. Every problem is reported at once so an operator fixes them in one go.
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';

const Bool = (defaultValue: boolean, description: string) =>
  Type.Boolean({ default: defaultValue, description });

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0', description: 'Interface the HTTP server binds to.' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'HTTP port.' }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^/]+(/.*)?$',
      description: 'External base URL (links in e-mails, OIDC redirects). Default http://localhost:PORT.',
    }),
  ),
  DATA_DIR: Type.String({ default: './data', description: 'Embedded database, files and outbox.' }),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL; when unset, embedded PGlite.' }),
  ),
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  TRUST_PROXY: Bool(false, 'Trust X-Forwarded-* headers (behind a reverse proxy).'),
  COOKIE_SECURE: Type.Enum(['auto', 'true', 'false'], {
    default: 'auto',
    description: 'Secure flag on cookies; auto = when PUBLIC_URL is https.',
  }),
  SESSION_TTL_HOURS: Type.Integer({ default: 12, minimum: 1, maximum: 24 * 30 }),
  LOGIN_MAX_FAILURES: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'Per account and address, 15 min.',
  }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 12 })),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description: 'Outgoing mail; when unset, mails go to DATA_DIR/outbox.',
    }),
  ),
  MAIL_FROM: Type.String({ default: 'Smart Region <noreply@smart-region.invalid>' }),
  OIDC_ISSUER: Type.Optional(Type.String({ pattern: '^https?://' })),
  OIDC_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  OIDC_LABEL: Type.String({ default: 'Single Sign-On' }),
  // egov-connect: SAML 2.0 single sign-on (BundID) and the payment provider.
  SAML_IDP_METADATA: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'SAML IdP metadata: an http(s) URL or a file path; enables SAML.',
    }),
  ),
  SAML_SP_ENTITY_ID: Type.Optional(
    Type.String({ minLength: 1, description: 'Default PUBLIC_URL/api/auth/saml/metadata' }),
  ),
  SAML_SP_KEY_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM key: signs requests, decrypts assertions' }),
  ),
  SAML_SP_CERT_FILE: Type.Optional(
    Type.String({ minLength: 1, description: 'PEM certificate of SAML_SP_KEY_FILE' }),
  ),
  SAML_LABEL: Type.String({ default: 'Mit BundID anmelden' }),
  PAYMENT_PROVIDER: Type.Optional(
    Type.Enum(['test', 'none'], {
      description: 'Payment provider; default test, none when NODE_ENV=production.',
    }),
  ),
  PAYMENT_TEST_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'Signing key of the test provider; random per process when unset.',
    }),
  ),
  DEMO_SEED: Bool(
    true,
    'Seed the demo region "Südkreis" on first start (default off when NODE_ENV=production).',
  ),
  DEMO_SECOND_REGION: Bool(false, 'Also seed the second demo region (six municipalities).'),
  FILES_S3_BUCKET: Type.Optional(
    Type.String({
      minLength: 3,
      description: 'Store files in this S3 bucket; when unset, under DATA_DIR/files.',
    }),
  ),
  FILES_S3_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'S3-compatible endpoint (MinIO, Ceph, …); default AWS.',
    }),
  ),
  FILES_S3_REGION: Type.String({ default: 'us-east-1' }),
  FILES_S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  FILES_S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  FILES_S3_FORCE_PATH_STYLE: Bool(false, 'Address the bucket in the path (most self-hosted S3 servers).'),
  FILES_S3_PART_SIZE_MB: Type.Integer({ default: 8, minimum: 5, maximum: 1024 }),
  FILES_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description: 'Encrypt files at rest with this master key (32 bytes, base64).',
    }),
  ),
  EGOV_ENCRYPTION_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description:
        "Online services: master key (32 bytes, base64) wrapping each municipality's key for citizen data; online services refuse to store data in production without it.",
    }),
  ),
  JOBS_ENABLED: Bool(true, 'Run the background job worker in this instance.'),
  METRICS_ENABLED: Bool(true, 'Serve Prometheus metrics at /metrics.'),
  SENSOR_RAW_RETENTION_DAYS: Type.Integer({
    default: 730,
    minimum: 0,
    description: 'Days raw observations are kept (0 = forever); per Datastream overridable.',
  }),
  SENSOR_ROLLUP_5MIN_RETENTION_DAYS: Type.Integer({
    default: 1825,
    minimum: 0,
    description: 'Days 5-minute rollups are kept (0 = forever); hourly and coarser rollups stay forever.',
  }),
  SENSOR_LATEST_MAX_AGE_SECONDS: Type.Integer({
    default: 10,
    minimum: 0,
    maximum: 3600,
    description: 'Cache-Control max-age of public latest-value answers.',
  }),
  SENSOR_BULK_MAX_BYTES: Type.Integer({
    default: 10 * 1024 * 1024,
    minimum: 1024,
    maximum: 100 * 1024 * 1024,
    description: 'Largest body accepted by POST /api/sensors/observations:bulk.',
  }),
  DECODER_TIMEOUT_MS: Type.Integer({
    default: 250,
    minimum: 10,
    maximum: 10_000,
    description: 'Time limit of one payload decoder run in the sandbox.',
  }),
  DECODER_MEMORY_MB: Type.Integer({
    default: 16,
    minimum: 1,
    maximum: 256,
    description: 'Memory limit of one payload decoder run in the sandbox.',
  }),
  CHIRPSTACK_MQTT_URL: Type.Optional(
    Type.String({
      pattern: '^mqtts?://',
      description: 'MQTT broker of ChirpStack; when set, uplink events are read from it.',
    }),
  ),
  CHIRPSTACK_MQTT_USERNAME: Type.Optional(Type.String()),
  CHIRPSTACK_MQTT_PASSWORD: Type.Optional(Type.String()),
  CHIRPSTACK_MQTT_TOPIC: Type.String({
    default: 'application/+/device/+/event/+',
    description: 'Topic filter of ChirpStack device events.',
  }),
  CHIRPSTACK_MQTT_SHARE_GROUP: Type.String({
    default: 'srp-ingest',
    pattern: '^[A-Za-z0-9_-]*$',
    description: 'Shared-subscription group, so several instances split the events; empty = no sharing.',
  }),
  SIMULATOR_ENABLED: Type.Optional(
    Type.Boolean({
      description: 'Feed the demo sensors with simulated uplinks (default: with DEMO_SEED in development).',
    }),
  ),
  SIMULATOR_SEED: Type.String({ default: 'suedkreis', description: 'Seed of the simulated values.' }),
  SIMULATOR_INTERVAL_MINUTES: Type.Integer({ default: 15, minimum: 1, maximum: 1440 }),
  SIMULATOR_BACKFILL_DAYS: Type.Number({
    default: 365,
    minimum: 0,
    maximum: 3660,
    description: 'History the simulator back-fills on first start.',
  }),
  MQTT_ENABLED: Bool(
    true,
    'SensorThings MQTT: embedded broker, or the MQTT_URL client (sensors/mqtt/README.md).',
  ),
  MQTT_HOST: Type.String({ default: '0.0.0.0', description: 'Interface the embedded MQTT broker binds to.' }),
  MQTT_PORT: Type.Integer({
    default: 1883,
    minimum: 0,
    maximum: 65535,
    description: 'TCP port of the embedded MQTT broker; 0 = no embedded broker.',
  }),
  MQTT_WEBSOCKET: Bool(true, 'Also serve MQTT over WebSocket at /mqtt on the HTTP port.'),
  MQTT_URL: Type.Optional(
    Type.String({
      pattern: '^(mqtts?|wss?)://',
      description:
        'External broker (e.g. Mosquitto): when set, the platform is its client, no embedded broker.',
    }),
  ),
  MQTT_USERNAME: Type.Optional(Type.String()),
  MQTT_PASSWORD: Type.Optional(Type.String()),
  MQTT_SHARE_GROUP: Type.String({
    default: 'srp',
    pattern: '^[A-Za-z0-9_-]*$',
    description: 'Shared-subscription group at the external broker; empty = no sharing.',
  }),
  MQTT_TOPIC_PREFIX: Type.String({
    default: 'srp',
    pattern: '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$',
    description: 'External broker: devices publish to <prefix>/<municipality slug>/v1.1/...',
  }),
  MQTT_CONNECTIONS: Type.Integer({
    default: 64,
    minimum: 1,
    maximum: 256,
    description:
      'External broker: connections per instance in the shared subscription (each up to 1,000 messages in flight).',
  }),
  DASHBOARD_MAP_TILE_URL: Type.String({
    default: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    pattern: '^(none|https?://.*\\{z\\}.*)$',
    description:
      'Raster tile URL template of the public dashboard map ({z}/{x}/{y}), e.g. basemap.de or OpenStreetMap; none = markers on a plain background.',
  }),
  DASHBOARD_MAP_ATTRIBUTION: Type.String({
    default: '© OpenStreetMap-Mitwirkende',
    description: 'Attribution shown on the dashboard map for the tile source.',
  }),
  OPEN_DATA_CONTRIBUTOR_ID: Type.String({
    default: 'http://dcat-ap.de/def/contributors/',
    pattern: '^https?://',
    description:
      'dcatde:contributorID of the DCAT-AP.de catalogue (the GovData contributor URI of the publisher).',
  }),
  STA_MAX_TOP: Type.Integer({
    default: 1000,
    minimum: 1,
    maximum: 100000,
    description: 'SensorThings API: largest page ($top); the default page is 100.',
  }),
  VAPID_PUBLIC_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{80,100}$' })),
  VAPID_PRIVATE_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{40,50}$' })),
  VAPID_SUBJECT: Type.Optional(
    Type.String({
      pattern: '^(mailto:|https:)',
      description: 'Contact for push services; default MAIL_FROM.',
    }),
  ),
  PARTICIPATION_POSTS_PER_HOUR: Type.Integer({
    default: 20,
    minimum: 1,
    description: 'Anonymous reports, photos and feedback accepted per address and hour.',
  }),
  PARTICIPATION_MIN_FILL_SECONDS: Type.Integer({
    default: 3,
    minimum: 0,
    maximum: 600,
    description: 'Anonymous forms sent faster than this after loading are taken for a bot.',
  }),
  PARTICIPATION_PHOTO_MAX_MB: Type.Integer({ default: 8, minimum: 1, maximum: 50 }),
  // Club video meetings (cloud/README.md, Meetings).
  MEETING_MAX_PARTICIPANTS: Type.Integer({
    default: 6,
    minimum: 2,
    maximum: 16,
    description: 'People in one peer-to-peer meeting room; every one sends to every other.',
  }),
  MEETING_RELAY_ONLY: Bool(false, 'Meetings use TURN relays only: participants never see each other’s IP.'),
  TURN_URLS: Type.String({
    default: '',
    description: 'Comma-separated stun:/turn:/turns: URLs handed to meeting participants.',
  }),
  TURN_SECRET: Type.Optional(Type.String({ minLength: 16, description: 'coturn static-auth-secret.' })),
  TURN_CREDENTIAL_TTL_SECONDS: Type.Integer({ default: 21_600, minimum: 60, maximum: 7 * 86_400 }),
  CLOUD_UPLOAD_EXPIRY_HOURS: Type.Integer({
    default: 24,
    minimum: 1,
    maximum: 24 * 30,
    description: 'Unfinished resumable club cloud uploads are removed this many hours after they began.',
  }),
  PARTICIPATION_GEOCODER_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'A Nominatim-compatible service for the address search of reports (its /search is asked); off when unset.',
    }),
  ),
});

type RawConfig = Static<typeof ConfigSchema>;
export type Config = Omit<RawConfig, 'SIMULATOR_ENABLED'> & {
  SIMULATOR_ENABLED: boolean;
  PUBLIC_URL: string;
  DATA_DIR: string;
  cookieSecure: boolean;
  /** MQTT_PORT was set by the operator (not the default): then a taken port must stop the start. */
  mqttPortChosen: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const keys = Object.keys(ConfigSchema.properties) as (keyof RawConfig)[];

export function parseConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, { ...picked }));
  const problems = [...Value.Errors(ConfigSchema, converted)]
    .filter((e) => e.keyword !== 'anyOf')
    .map(
      (e) =>
        `${e.instancePath.slice(1) || '(root)'}: ${e.message} (got ${JSON.stringify(picked[e.instancePath.slice(1)])})`,
    );
  const raw = converted as RawConfig;
  const oidcKeys = [raw.OIDC_ISSUER, raw.OIDC_CLIENT_ID, raw.OIDC_CLIENT_SECRET].filter(Boolean).length;
  if (oidcKeys !== 0 && oidcKeys !== 3) {
    problems.push('OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together');
  }
  if (raw.ADMIN_PASSWORD && !raw.ADMIN_EMAIL) problems.push('ADMIN_PASSWORD needs ADMIN_EMAIL');
  if (Boolean(raw.SAML_SP_KEY_FILE) !== Boolean(raw.SAML_SP_CERT_FILE)) {
    problems.push('SAML_SP_KEY_FILE and SAML_SP_CERT_FILE must be set together');
  }
  if (Boolean(raw.FILES_S3_ACCESS_KEY_ID) !== Boolean(raw.FILES_S3_SECRET_ACCESS_KEY)) {
    problems.push('FILES_S3_ACCESS_KEY_ID and FILES_S3_SECRET_ACCESS_KEY must be set together');
  }
  if (Boolean(raw.VAPID_PUBLIC_KEY) !== Boolean(raw.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together');
  }
  if (/(^|,)\s*turns?:/.test(raw.TURN_URLS) && !raw.TURN_SECRET) {
    problems.push('TURN_URLS with turn: servers need TURN_SECRET');
  }
  if (raw.MEETING_RELAY_ONLY && !/(^|,)\s*turns?:/.test(raw.TURN_URLS)) {
    problems.push('MEETING_RELAY_ONLY needs a turn: server in TURN_URLS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, '');
  if (!env.DEMO_SEED && raw.NODE_ENV === 'production') raw.DEMO_SEED = false;
  raw.PAYMENT_PROVIDER ??= raw.NODE_ENV === 'production' ? 'none' : 'test';
  return {
    ...raw,
    SIMULATOR_ENABLED: raw.SIMULATOR_ENABLED ?? (raw.DEMO_SEED && raw.NODE_ENV === 'development'),
    PUBLIC_URL: publicUrl,
    DATA_DIR: path.resolve(raw.DATA_DIR),
    cookieSecure:
      raw.COOKIE_SECURE === 'auto' ? publicUrl.startsWith('https:') : raw.COOKIE_SECURE === 'true',
    mqttPortChosen: Boolean(env.MQTT_PORT),
  };
}
