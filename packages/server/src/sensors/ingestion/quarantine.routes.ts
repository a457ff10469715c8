// Staff API of the quarantine: uplinks that could not be stored, with their reason; release or discard.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { Errors } from '../../core/errors.js';
import { errorResponses, MunicipalityParams, Pagination } from '../../core/http/schemas.js';
import { devicePolicy } from '../devices/device.policy.js';
import { DeviceParams, QuarantineEntry } from '../devices/device.schema.js';
import type { QuarantineRow } from './ingestion.repository.js';
import { sensorServices } from './sensor-services.js';

const QuarantineQuery = Type.Intersect([
  Pagination,
  Type.Object({ status: Type.Optional(Type.Enum(['open', 'released', 'discarded'])) }),
]);

const EntryParams = Type.Object({
  municipalityId: Type.String({ format: 'uuid' }),
  entryId: Type.Integer({ minimum: 1 }),
});

const IngestResult = Type.Object({
  status: Type.String(),
  deviceId: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  observations: Type.Optional(Type.Integer()),
});

function presentEntry(e: QuarantineRow) {
  return {
    id: e.id,
    deviceId: e.device_id,
    devEui: e.dev_eui,
    integrationId: e.integration_id,
    source: e.source,
    reason: e.reason,
    detail: e.detail,
    payload: e.payload,
    receivedAt: e.received_at.toISOString(),
    status: e.status,
    resolvedAt: e.resolved_at ? e.resolved_at.toISOString() : null,
  };
}

export function quarantineRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { ingestion, devices } = sensorServices(ctx);
  return async (app) => {
    app.get(
      '/api/municipalities/:municipalityId/sensor-quarantine',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Quarantined uplinks of a municipality (also those of unknown devices)',
          params: MunicipalityParams,
          querystring: QuarantineQuery,
          response: {
            200: Type.Object({ entries: Type.Array(QuarantineEntry) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!devicePolicy.mayViewDevices(principal, municipalityId)) throw Errors.forbidden();
        const rows = await ingestion.listQuarantine(municipalityId, request.query);
        return { entries: rows.map(presentEntry) };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/devices/:deviceId/quarantine',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Quarantined uplinks of one device',
          params: DeviceParams,
          querystring: QuarantineQuery,
          response: {
            200: Type.Object({ entries: Type.Array(QuarantineEntry) }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, deviceId } = request.params;
        if (!devicePolicy.mayViewDevices(principal, municipalityId)) throw Errors.forbidden();
        await devices.get(municipalityId, deviceId);
        const rows = await ingestion.listQuarantine(municipalityId, { ...request.query, deviceId });
        return { entries: rows.map(presentEntry) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/sensor-quarantine/:entryId/release',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Store a quarantined uplink after all (values accepted as they are)',
          params: EntryParams,
          response: { 200: IngestResult, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, entryId } = request.params;
        if (!devicePolicy.mayResolveQuarantine(principal, municipalityId)) throw Errors.forbidden();
        const result = await ingestion.release(municipalityId, entryId, actorOf(principal, request));
        return {
          status: result.status,
          ...('deviceId' in result ? { deviceId: result.deviceId } : {}),
          ...('observations' in result ? { observations: result.observations } : {}),
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/sensor-quarantine/:entryId/discard',
      {
        schema: {
          tags: ['sensors'],
          summary: 'Discard a quarantined uplink (kept for the record, never stored)',
          params: EntryParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, entryId } = request.params;
        if (!devicePolicy.mayResolveQuarantine(principal, municipalityId)) throw Errors.forbidden();
        await ingestion.discard(municipalityId, entryId, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );
  };
}
