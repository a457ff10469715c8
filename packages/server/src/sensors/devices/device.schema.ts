// Request and response schemas of the device registry API.
import Type from 'typebox';
import type { DeviceRow } from './device.repository.js';
import type { IntegrationRow } from './integration.repository.js';
import { PROFILE_IDS } from './profiles.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const DeviceParams = Type.Object({
  municipalityId: Type.String({ format: 'uuid' }),
  deviceId: Type.Integer({ minimum: 1 }),
});

export const Mounting = Type.Record(Type.String({ pattern: '^[A-Za-z]{1,40}$' }), Type.Number());

export const NewDeviceBody = Type.Object(
  {
    devEui: Type.String({ minLength: 16, maxLength: 23, description: '64-bit EUI, hex; separators allowed' }),
    name: Type.String({ minLength: 2, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    profile: Type.Enum([...PROFILE_IDS]),
    integrationId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
    mounting: Type.Optional(Mounting),
    location: Type.Object(
      {
        latitude: Type.Number({ minimum: -90, maximum: 90 }),
        longitude: Type.Number({ minimum: -180, maximum: 180 }),
      },
      { additionalProperties: false },
    ),
    publish: Type.Optional(Type.Boolean({ description: "Publish the device's Datastreams and Location" })),
  },
  { additionalProperties: false },
);

export const DevicePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
    mounting: Type.Optional(Mounting),
    integrationId: Type.Optional(Nullable(Type.String({ format: 'uuid' }))),
    status: Type.Optional(Type.Enum(['active', 'disabled'])),
  },
  { additionalProperties: false },
);

const Health = Type.Object({
  lastSeenAt: Nullable(Type.String({ format: 'date-time' })),
  batteryMv: Nullable(Type.Number()),
  batteryPercent: Nullable(Type.Number()),
  rssi: Nullable(Type.Number()),
  snr: Nullable(Type.Number()),
  fCnt: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Type.String({ format: 'date-time' })),
});

export const Device = Type.Object({
  id: Type.Integer(),
  municipalityId: Type.String(),
  devEui: Type.String(),
  name: Type.String(),
  profile: Type.String(),
  integrationId: Nullable(Type.String()),
  thingId: Type.Integer(),
  datastreams: Type.Record(Type.String(), Type.Integer(), {
    description: 'Decoded field → Datastream id',
  }),
  mounting: Type.Record(Type.String(), Type.Number()),
  status: Type.Enum(['active', 'disabled']),
  health: Health,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentDevice(d: DeviceRow) {
  return {
    id: d.id,
    municipalityId: d.municipality_id,
    devEui: d.dev_eui,
    name: d.name,
    profile: d.profile,
    integrationId: d.integration_id,
    thingId: d.thing_id,
    datastreams: d.field_map as Record<string, number>,
    mounting: d.mounting as Record<string, number>,
    status: d.status,
    health: {
      lastSeenAt: iso(d.last_seen_at),
      batteryMv: d.battery_mv,
      batteryPercent: d.battery_percent,
      rssi: d.rssi,
      snr: d.snr,
      fCnt: d.f_cnt,
      lastError: d.last_error,
      lastErrorAt: iso(d.last_error_at),
    },
    createdAt: d.created_at.toISOString(),
    updatedAt: d.updated_at.toISOString(),
  };
}

export const NewIntegrationBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 200 }),
    networkServer: Type.Enum(['tts', 'chirpstack']),
    chirpstackApplicationId: Type.Optional(
      Nullable(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'for MQTT events' })),
    ),
  },
  { additionalProperties: false },
);

export const Integration = Type.Object({
  id: Type.String(),
  name: Type.String(),
  networkServer: Type.Enum(['tts', 'chirpstack']),
  chirpstackApplicationId: Nullable(Type.String()),
  webhookUrl: Type.String(),
  secretHeader: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const INTEGRATION_SECRET_HEADER = 'x-srp-integration-secret';

export function presentIntegration(i: IntegrationRow, publicUrl: string) {
  return {
    id: i.id,
    name: i.name,
    networkServer: i.network_server,
    chirpstackApplicationId: i.chirpstack_application_id,
    webhookUrl:
      i.network_server === 'tts'
        ? `${publicUrl}/integrations/tts/uplink`
        : `${publicUrl}/integrations/chirpstack`,
    secretHeader: 'X-SRP-Integration-Secret',
    createdAt: i.created_at.toISOString(),
  };
}

export const Profile = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  layout: Type.String(),
  decoder: Type.String(),
  mounting: Type.Array(
    Type.Object({ key: Type.String(), description: Type.String(), min: Type.Number(), max: Type.Number() }),
  ),
  measurements: Type.Array(
    Type.Object({
      field: Type.String(),
      label: Type.String(),
      unit: Type.String(),
      min: Type.Number(),
      max: Type.Number(),
    }),
  ),
});

export const QuarantineEntry = Type.Object({
  id: Type.Integer(),
  deviceId: Nullable(Type.Integer()),
  devEui: Nullable(Type.String()),
  integrationId: Nullable(Type.String()),
  source: Type.String(),
  reason: Type.String(),
  detail: Type.String(),
  payload: Type.Unknown(),
  receivedAt: Type.String({ format: 'date-time' }),
  status: Type.Enum(['open', 'released', 'discarded']),
  resolvedAt: Nullable(Type.String({ format: 'date-time' })),
});
