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
  DEMO_SEED: Bool(
    true,
    'Seed the demo region "Südkreis" on first start (default off when NODE_ENV=production).',
  ),
  DEMO_SECOND_REGION: Bool(false, 'Also seed the second demo region (six municipalities).'),
  JOBS_ENABLED: Bool(true, 'Run the background job worker in this instance.'),
  METRICS_ENABLED: Bool(true, 'Serve Prometheus metrics at /metrics.'),
  STA_MAX_TOP: Type.Integer({
    default: 1000,
    minimum: 1,
    maximum: 100000,
    description: 'SensorThings API: largest page ($top); the default page is 100.',
  }),
});

type RawConfig = Static<typeof ConfigSchema>;
export type Config = RawConfig & {
  PUBLIC_URL: string;
  DATA_DIR: string;
  cookieSecure: boolean;
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
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, '');
  if (!env.DEMO_SEED && raw.NODE_ENV === 'production') raw.DEMO_SEED = false;
  return {
    ...raw,
    PUBLIC_URL: publicUrl,
    DATA_DIR: path.resolve(raw.DATA_DIR),
    cookieSecure:
      raw.COOKIE_SECURE === 'auto' ? publicUrl.startsWith('https:') : raw.COOKIE_SECURE === 'true',
  };
}
