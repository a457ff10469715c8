// The device registry: LoRaWAN devices of a municipality, the SensorThings entities each one gets from its
// profile (Thing, Location, Sensor, ObservedProperties, Datastreams), the integrations that deliver their
// uplinks, and custom decoders. Writes and their audit entries share a transaction.
import { createHash, randomBytes } from 'node:crypto';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { NetworkServer } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import type { PublicationService } from '../../core/publication/publication.service.js';
import { DeviceRepository, type DeviceRow } from './device.repository.js';
import { IntegrationRepository, type IntegrationRow } from './integration.repository.js';
import { PROFILES, isProfileId, type DeviceProfile } from './profiles.js';

export interface NewDevice {
  devEui: string;
  name: string;
  profile: string;
  description?: string;
  integrationId?: string | null;
  mounting?: Record<string, number>;
  location: { latitude: number; longitude: number };
  /** Publish the device's Datastreams and Location for the public right away. */
  publish?: boolean;
}

export interface DevicePatch {
  name?: string;
  mounting?: Record<string, number>;
  integrationId?: string | null;
  status?: 'active' | 'disabled';
}

/** Upper-case hex without separators; null when it is no 64-bit EUI. */
export function normaliseDevEui(value: string): string | null {
  const hex = value.replace(/[\s:-]/g, '').toUpperCase();
  return /^[0-9A-F]{16}$/.test(hex) ? hex : null;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function profileOf(device: Pick<DeviceRow, 'profile'>): DeviceProfile {
  if (!isProfileId(device.profile)) throw Errors.validation(`Unknown device profile ${device.profile}`);
  return PROFILES[device.profile];
}

function checkMounting(profile: DeviceProfile, mounting: Record<string, number>): Record<string, number> {
  const clean: Record<string, number> = {};
  for (const parameter of profile.mounting) {
    const value = mounting[parameter.key];
    if (value === undefined) {
      if (parameter.key === 'capacity') continue;
      throw Errors.validation(`The profile ${profile.id} needs mounting.${parameter.key}`, {
        field: `mounting.${parameter.key}`,
      });
    }
    if (!Number.isFinite(value) || value < parameter.min || value > parameter.max)
      throw Errors.validation(
        `mounting.${parameter.key} must be between ${parameter.min} and ${parameter.max}`,
        { field: `mounting.${parameter.key}` },
      );
    clean[parameter.key] = value;
  }
  const unknown = Object.keys(mounting).filter((k) => !profile.mounting.some((p) => p.key === k));
  if (unknown.length > 0)
    throw Errors.validation(`Unknown mounting parameters for ${profile.id}: ${unknown.join(', ')}`);
  return clean;
}

export class DeviceService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly publications: PublicationService,
  ) {}

  private devices(executor: Database = this.db) {
    return new DeviceRepository(executor);
  }
  private integrations(executor: Database = this.db) {
    return new IntegrationRepository(executor);
  }

  list(municipalityId: string): Promise<DeviceRow[]> {
    return this.devices().list(municipalityId);
  }

  async get(municipalityId: string, id: number): Promise<DeviceRow> {
    const device = await this.devices().find(municipalityId, id);
    if (!device) throw Errors.notFound('Device');
    return device;
  }

  async create(municipalityId: string, input: NewDevice, actor: AuditActor): Promise<DeviceRow> {
    const devEui = normaliseDevEui(input.devEui);
    if (!devEui) throw Errors.validation('devEui must be 16 hexadecimal digits', { field: 'devEui' });
    if (!isProfileId(input.profile)) throw Errors.validation(`Unknown device profile ${input.profile}`);
    const profile = PROFILES[input.profile];
    const mounting = checkMounting(profile, input.mounting ?? {});
    const created = await this.db.transaction().execute(async (trx) => {
      const devices = this.devices(trx);
      if (await devices.findByDevEui(devEui))
        throw Errors.conflict('A device with this DevEUI is registered already', { devEui });
      if (input.integrationId && !(await this.integrations(trx).find(municipalityId, input.integrationId)))
        throw Errors.notFound('Integration');
      const thingId = await devices.insertThing(
        municipalityId,
        input.name,
        input.description ?? profile.description,
        {
          devEui,
          profile: profile.id,
        },
      );
      await devices.insertPointLocation(
        municipalityId,
        thingId,
        input.name,
        input.location.longitude,
        input.location.latitude,
      );
      const sensorId = await devices.insertSensor(
        municipalityId,
        `${profile.name} ${devEui}`,
        profile.description,
        profile.layout,
      );
      const fieldMap: Record<string, number> = {};
      for (const m of profile.measurements) {
        const observedPropertyId = await devices.observedProperty(municipalityId, m.observedProperty);
        fieldMap[m.field] = await devices.insertDatastream({
          municipalityId,
          thingId,
          sensorId,
          observedPropertyId,
          name: `${input.name} – ${m.label}`,
          description: m.observedProperty.description,
          unit: m.unit,
          properties: { field: m.field, devEui },
        });
      }
      const device = await devices.insert({
        municipalityId,
        integrationId: input.integrationId ?? null,
        devEui,
        name: input.name,
        profile: profile.id,
        thingId,
        fieldMap,
        mounting,
      });
      await this.audit.record(
        actor,
        {
          action: 'device.created',
          targetType: 'device',
          targetId: String(device.id),
          municipalityId,
          details: { devEui, profile: profile.id, thingId, datastreams: fieldMap },
        },
        trx,
      );
      return device;
    });
    if (input.publish) await this.publish(created, actor);
    return created;
  }

  /** Publishes the device's Datastreams and Location (each its own audited change). */
  async publish(device: DeviceRow, actor: AuditActor): Promise<void> {
    for (const datastreamId of Object.values(device.field_map as Record<string, number>))
      await this.publications.publish(device.municipality_id, 'datastream', String(datastreamId), actor);
    for (const locationId of await this.devices().locationIdsOfThing(device.thing_id))
      await this.publications.publish(device.municipality_id, 'location', String(locationId), actor);
  }

  async update(
    municipalityId: string,
    id: number,
    patch: DevicePatch,
    actor: AuditActor,
  ): Promise<DeviceRow> {
    return this.db.transaction().execute(async (trx) => {
      const devices = this.devices(trx);
      const existing = await devices.find(municipalityId, id);
      if (!existing) throw Errors.notFound('Device');
      const mounting = patch.mounting && checkMounting(profileOf(existing), patch.mounting);
      if (patch.integrationId && !(await this.integrations(trx).find(municipalityId, patch.integrationId)))
        throw Errors.notFound('Integration');
      const updated = await devices.update(municipalityId, id, {
        ...patch,
        ...(mounting ? { mounting } : {}),
      });
      const action =
        patch.status === 'disabled' && existing.status !== 'disabled' ? 'device.disabled' : 'device.updated';
      await this.audit.record(
        actor,
        { action, targetType: 'device', targetId: String(id), municipalityId, details: { ...patch } },
        trx,
      );
      return updated!;
    });
  }

  // --- integrations ----------------------------------------------------------------------------------

  /** The integration a network server authenticates as with its shared secret. */
  async authenticateIntegration(
    secret: string | undefined,
    networkServer: NetworkServer,
  ): Promise<IntegrationRow> {
    const integration = secret ? await this.integrations().findBySecretHash(hashSecret(secret)) : undefined;
    if (!integration) throw Errors.unauthenticated('Unknown or missing integration secret');
    if (integration.network_server !== networkServer)
      throw Errors.forbidden(`This integration is for ${integration.network_server}`);
    return integration;
  }

  integrationForChirpstackApplication(applicationId: string): Promise<IntegrationRow | undefined> {
    return this.integrations().findByChirpstackApplication(applicationId);
  }

  listIntegrations(municipalityId: string): Promise<IntegrationRow[]> {
    return this.integrations().list(municipalityId);
  }

  /** Creates an integration; the secret is returned only here and stored only as its hash. */
  async createIntegration(
    municipalityId: string,
    input: { name: string; networkServer: NetworkServer; chirpstackApplicationId?: string | null },
    actor: AuditActor,
  ): Promise<{ integration: IntegrationRow; secret: string }> {
    const secret = `srpi_${randomBytes(24).toString('base64url')}`;
    const integration = await this.db.transaction().execute(async (trx) => {
      const row = await this.integrations(trx).insert({
        municipalityId,
        name: input.name,
        networkServer: input.networkServer,
        secretHash: hashSecret(secret),
        chirpstackApplicationId: input.chirpstackApplicationId ?? null,
      });
      await this.audit.record(
        actor,
        {
          action: 'lorawan_integration.created',
          targetType: 'lorawan_integration',
          targetId: row.id,
          municipalityId,
          details: { name: input.name, networkServer: input.networkServer },
        },
        trx,
      );
      return row;
    });
    return { integration, secret };
  }

  async rotateIntegrationSecret(municipalityId: string, id: string, actor: AuditActor): Promise<string> {
    const secret = `srpi_${randomBytes(24).toString('base64url')}`;
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.integrations(trx).updateSecret(municipalityId, id, hashSecret(secret))))
        throw Errors.notFound('Integration');
      await this.audit.record(
        actor,
        {
          action: 'lorawan_integration.secret_rotated',
          targetType: 'lorawan_integration',
          targetId: id,
          municipalityId,
        },
        trx,
      );
    });
    return secret;
  }

  // --- custom decoders -------------------------------------------------------------------------------

  customDecoders(municipalityId: string) {
    return this.devices().customDecoders(municipalityId);
  }

  async saveCustomDecoder(
    municipalityId: string,
    profile: string,
    code: string,
    actor: AuditActor,
  ): Promise<void> {
    if (!isProfileId(profile)) throw Errors.notFound('Device profile');
    if (!/function\s+decodeUplink\s*\(/.test(code))
      throw Errors.validation('The decoder must define function decodeUplink(input)');
    await this.db.transaction().execute(async (trx) => {
      await this.devices(trx).saveCustomDecoder(municipalityId, profile, code);
      await this.audit.record(
        actor,
        { action: 'device_decoder.saved', targetType: 'device_profile', targetId: profile, municipalityId },
        trx,
      );
    });
  }

  async deleteCustomDecoder(municipalityId: string, profile: string, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.devices(trx).deleteCustomDecoder(municipalityId, profile)))
        throw Errors.notFound('Custom decoder');
      await this.audit.record(
        actor,
        { action: 'device_decoder.deleted', targetType: 'device_profile', targetId: profile, municipalityId },
        trx,
      );
    });
  }
}
