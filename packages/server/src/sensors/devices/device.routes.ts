// Staff API of the device registry: devices with health, integrations, profiles and custom decoders.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
import { errorResponses, MunicipalityParams } from '../../core/http/schemas.js';
import { sensorServices } from '../ingestion/sensor-services.js';
import { devicePolicy } from './device.policy.js';
import {
  Device,
  DeviceParams,
  DevicePatchBody,
  Integration,
  NewDeviceBody,
  NewIntegrationBody,
  presentDevice,
  presentIntegration,
  Profile,
} from './device.schema.js';
import { PROFILE_IDS, PROFILES } from './profiles.js';

const ProfileParams = Type.Object({
  municipalityId: Type.String({ format: 'uuid' }),
  profile: Type.Enum([...PROFILE_IDS]),
});

export function deviceRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { devices } = sensorServices(ctx);
  return async (app) => {
    app.get(
      '/api/device-profiles',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Shipped device profiles: byte layouts, decoders, mounting parameters, measurements',
          response: { 200: Type.Object({ profiles: Type.Array(Profile) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        requirePrincipal(request.principal);
        return {
          profiles: Object.values(PROFILES).map((p) => ({
            id: p.id,
            name: p.name,
            description: p.description,
            layout: p.layout,
            decoder: p.decoder.trim(),
            mounting: p.mounting,
            measurements: p.measurements.map((m) => ({
              field: m.field,
              label: m.label,
              unit: m.unit.symbol,
              min: m.min,
              max: m.max,
            })),
          })),
        };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/devices',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Devices of a municipality with their health',
          params: MunicipalityParams,
          response: { 200: Type.Object({ devices: Type.Array(Device) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        if (!devicePolicy.mayViewDevices(principal, request.params.municipalityId)) throw Errors.forbidden();
        return { devices: (await devices.list(request.params.municipalityId)).map(presentDevice) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/devices',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Register a device; its Thing, Location, Sensor and Datastreams come from the profile',
          params: MunicipalityParams,
          body: NewDeviceBody,
          response: { 201: Device, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!devicePolicy.mayManageDevices(principal, municipalityId)) throw Errors.forbidden();
        const device = await devices.create(municipalityId, request.body, actorOf(principal, request));
        return reply.status(201).send(presentDevice(device));
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/devices/:deviceId',
      {
        schema: {
          tags: ['sensors'],
          summary: 'One device with its health',
          params: DeviceParams,
          response: { 200: Device, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, deviceId } = request.params;
        if (!devicePolicy.mayViewDevices(principal, municipalityId)) throw Errors.forbidden();
        return presentDevice(await devices.get(municipalityId, deviceId));
      },
    );

    app.patch(
      '/api/municipalities/:municipalityId/devices/:deviceId',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Change name, mounting parameters, integration or status of a device',
          params: DeviceParams,
          body: DevicePatchBody,
          response: { 200: Device, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, deviceId } = request.params;
        if (!devicePolicy.mayManageDevices(principal, municipalityId)) throw Errors.forbidden();
        return presentDevice(
          await devices.update(municipalityId, deviceId, request.body, actorOf(principal, request)),
        );
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/devices/:deviceId/disable',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Disable a device: its uplinks go to the quarantine instead of the Datastreams',
          params: DeviceParams,
          response: { 200: Device, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, deviceId } = request.params;
        if (!devicePolicy.mayManageDevices(principal, municipalityId)) throw Errors.forbidden();
        return presentDevice(
          await devices.update(municipalityId, deviceId, { status: 'disabled' }, actorOf(principal, request)),
        );
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/lorawan-integrations',
      {
        schema: {
          tags: ['sensors'],
          summary: 'LoRaWAN network-server integrations of a municipality',
          params: MunicipalityParams,
          response: {
            200: Type.Object({ integrations: Type.Array(Integration) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        if (!devicePolicy.mayManageIntegrations(principal, request.params.municipalityId))
          throw Errors.forbidden();
        const rows = await devices.listIntegrations(request.params.municipalityId);
        return { integrations: rows.map((i) => presentIntegration(i, ctx.config.PUBLIC_URL)) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/lorawan-integrations',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Connect a network server; the secret is shown only in this answer',
          params: MunicipalityParams,
          body: NewIntegrationBody,
          response: {
            201: Type.Intersect([Integration, Type.Object({ secret: Type.String() })]),
            ...errorResponses(400, 401, 403, 409),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!devicePolicy.mayManageIntegrations(principal, municipalityId)) throw Errors.forbidden();
        const { integration, secret } = await devices.createIntegration(
          municipalityId,
          request.body,
          actorOf(principal, request),
        );
        return reply.status(201).send({ ...presentIntegration(integration, ctx.config.PUBLIC_URL), secret });
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/lorawan-integrations/:integrationId/rotate-secret',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Replace the secret of an integration (the old one stops working at once)',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            integrationId: Type.String({ format: 'uuid' }),
          }),
          response: { 200: Type.Object({ secret: Type.String() }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, integrationId } = request.params;
        if (!devicePolicy.mayManageIntegrations(principal, municipalityId)) throw Errors.forbidden();
        return {
          secret: await devices.rotateIntegrationSecret(
            municipalityId,
            integrationId,
            actorOf(principal, request),
          ),
        };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/device-decoders',
      {
        schema: {
          tags: ['sensors'],
          summary: "The municipality's custom decoders (they replace a profile's shipped decoder)",
          params: MunicipalityParams,
          response: {
            200: Type.Object({
              decoders: Type.Array(
                Type.Object({ profile: Type.String(), code: Type.String(), updatedAt: Type.String() }),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        if (!devicePolicy.mayViewDevices(principal, request.params.municipalityId)) throw Errors.forbidden();
        const rows = await devices.customDecoders(request.params.municipalityId);
        return { decoders: rows.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })) };
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/device-decoders/:profile',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Store a custom decoder (JavaScript, decodeUplink(input)) for a profile',
          params: ProfileParams,
          body: Type.Object(
            { code: Type.String({ minLength: 20, maxLength: 100_000 }) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, profile } = request.params;
        if (!devicePolicy.mayManageDevices(principal, municipalityId)) throw Errors.forbidden();
        await devices.saveCustomDecoder(
          municipalityId,
          profile,
          request.body.code,
          actorOf(principal, request),
        );
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/api/municipalities/:municipalityId/device-decoders/:profile',
      {
        schema: {
          tags: ['sensors'],
          summary: "Go back to the profile's shipped decoder",
          params: ProfileParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, profile } = request.params;
        if (!devicePolicy.mayManageDevices(principal, municipalityId)) throw Errors.forbidden();
        await devices.deleteCustomDecoder(municipalityId, profile, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );
  };
}
