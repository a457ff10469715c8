// The network servers' doors: The Things Stack v3 webhook and ChirpStack v4 HTTP integration. Both
// authenticate with the integration's secret in the header X-SRP-Integration-Secret (or as a bearer
// token) and answer at once: 202 when the uplink was stored, was a duplicate or went to the quarantine,
// 400 for a body that is no such message, 401 for a wrong secret.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { errorResponses } from '../../core/http/schemas.js';
import { INTEGRATION_SECRET_HEADER } from '../devices/device.schema.js';
import { IngestionService, type IngestResult } from './ingestion.service.js';
import { sensorServices } from './sensor-services.js';
import { CHIRPSTACK_EVENTS, parseChirpstackEvent, parseTtsMessage } from './uplink.js';

const Accepted = Type.Object({
  status: Type.Enum(['stored', 'duplicate', 'quarantined', 'ignored']),
  reason: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  observations: Type.Optional(Type.Integer()),
});

/** Any JSON object; the adapters check the fields they need. */
const MessageBody = Type.Object({}, { additionalProperties: true });

function secretOf(request: FastifyRequest): string | undefined {
  const header = request.headers[INTEGRATION_SECRET_HEADER];
  if (typeof header === 'string' && header) return header;
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
}

function answer(result: IngestResult) {
  switch (result.status) {
    case 'stored':
      return { status: result.status, observations: result.observations };
    case 'quarantined':
      return { status: result.status, reason: result.reason, detail: result.detail };
    case 'ignored':
      return { status: result.status, detail: result.detail };
    default:
      return { status: result.status };
  }
}

export function webhookRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { devices, ingestion } = sensorServices(ctx);
  return async (app) => {
    app.post(
      '/integrations/tts/uplink',
      {
        schema: {
          tags: ['integrations'],
          summary: 'The Things Stack v3 webhook: uplink messages',
          body: MessageBody,
          response: { 202: Accepted, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const integration = await devices.authenticateIntegration(secretOf(request), 'tts');
        const message = parseTtsMessage(request.body);
        const result = await ingestion.ingest(
          IngestionService.forIntegration(integration, request.body),
          message,
        );
        return reply.status(202).send(answer(result));
      },
    );

    app.post(
      '/integrations/chirpstack',
      {
        schema: {
          tags: ['integrations'],
          summary:
            'ChirpStack v4 HTTP integration (event=up, status, join, ack, txack, log, location, integration)',
          querystring: Type.Object({ event: Type.Enum([...CHIRPSTACK_EVENTS]) }),
          body: MessageBody,
          response: { 202: Accepted, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const integration = await devices.authenticateIntegration(secretOf(request), 'chirpstack');
        const message = parseChirpstackEvent(request.query.event, request.body);
        const result = await ingestion.ingest(
          IngestionService.forIntegration(integration, request.body),
          message,
        );
        return reply.status(202).send(answer(result));
      },
    );
  };
}
