// Connector endpoints: destinations per service and municipality (admins, process designers), the list of
// deliveries with the dead letters and redelivery by hand (caseworkers), and the callback through which the
// specialised software reports status (no session: the body's signature proves the sender).
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import type { ConnectorDelivery, ConnectorDestination } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { errorResponses, MunicipalityParams } from '../../core/http/schemas.js';
import { connectorPolicy } from './connector.policy.js';
import { maskedSettings, type RemoteStatusUpdate } from './connector.service.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Kind = Type.Enum(['fit-connect', 'webhook', 'xml']);
const DeliveryStatus = Type.Enum(['queued', 'delivered', 'failed', 'accepted', 'rejected']);

const DestinationView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  serviceKey: Type.String(),
  kind: Kind,
  name: Type.String(),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'Secrets are masked' }),
  enabled: Type.Boolean(),
  callbackPath: Type.String({ description: 'Where the specialised software posts status updates' }),
  updatedAt: Type.String(),
});

const presentDestination = (d: ConnectorDestination) => ({
  id: d.id,
  municipalityId: d.municipality_id,
  serviceKey: d.service_key,
  kind: d.kind,
  name: d.name,
  settings: maskedSettings(d.settings),
  enabled: d.enabled,
  callbackPath: `/api/egov/connectors/callbacks/${d.id}`,
  updatedAt: d.updated_at.toISOString(),
});

const DeliveryView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  destinationId: Type.String(),
  source: Type.Object({ type: Type.String(), id: Type.String() }),
  reference: Nullable(Type.String()),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  remoteId: Nullable(Type.String()),
  remoteStatus: Nullable(Type.String()),
  createdAt: Type.String(),
  deliveredAt: Nullable(Type.String()),
});

const presentDelivery = (d: ConnectorDelivery) => ({
  id: d.id,
  municipalityId: d.municipality_id,
  destinationId: d.destination_id,
  source: { type: d.source_type, id: d.source_id },
  reference: typeof d.submission.reference === 'string' ? d.submission.reference : null,
  status: d.status,
  attempts: d.attempts,
  lastError: d.last_error,
  remoteId: d.remote_id,
  remoteStatus: d.remote_status,
  createdAt: d.created_at.toISOString(),
  deliveredAt: d.delivered_at?.toISOString() ?? null,
});

const SubmissionBody = Type.Object(
  {
    reference: Type.String({ minLength: 1, maxLength: 100 }),
    serviceIdentifier: Type.String({ minLength: 1, maxLength: 300 }),
    serviceName: Type.String({ minLength: 1, maxLength: 300 }),
    data: Type.Record(Type.String(), Type.Unknown()),
    attachments: Type.Array(
      Type.Object(
        {
          fileKey: Type.String({ minLength: 1, maxLength: 512 }),
          filename: Type.String({ minLength: 1, maxLength: 255 }),
          mediaType: Type.String({ minLength: 3, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 50, default: [] },
    ),
  },
  { additionalProperties: false },
);

/** Body of a status callback: our own shape, or FIT-Connect's submissionId with an event name. */
export function parseStatusUpdate(raw: string): RemoteStatusUpdate {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw Errors.badRequest('Malformed JSON');
  }
  const record = (body ?? {}) as Record<string, unknown>;
  const remoteId = record.remoteId ?? record.submissionId ?? record.deliveryId;
  const status = record.status ?? record.event;
  const message = record.message ?? record.reason ?? null;
  if (typeof remoteId !== 'string' || remoteId.length === 0 || remoteId.length > 200) {
    throw Errors.validation('remoteId (or submissionId) is required');
  }
  if (typeof status !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(status)) {
    throw Errors.validation('status must be a short lower-case word, e.g. accepted, in_progress, rejected');
  }
  if (message !== null && (typeof message !== 'string' || message.length > 2000)) {
    throw Errors.validation('message must be a text of at most 2000 characters');
  }
  return { remoteId, status, message };
}

export function connectorRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/municipalities/:municipalityId/egov/connector-destinations',
      {
        schema: {
          tags: ['egov'],
          summary: 'Where the submissions of each service go in this municipality',
          params: MunicipalityParams,
          response: {
            200: Type.Object({ destinations: Type.Array(DestinationView) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        if (!connectorPolicy.mayConfigure(principal, request.params.municipalityId)) throw Errors.forbidden();
        const destinations = await ctx.connectors.listDestinations(request.params.municipalityId);
        return { destinations: destinations.map(presentDestination) };
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/egov/connector-destinations',
      {
        schema: {
          tags: ['egov'],
          summary:
            "Set a service's destination (one per service and municipality; replaces the previous one)",
          params: MunicipalityParams,
          body: Type.Object(
            {
              serviceKey: Type.String({ minLength: 1, maxLength: 300 }),
              kind: Kind,
              name: Type.String({ minLength: 1, maxLength: 200 }),
              settings: Type.Record(Type.String(), Type.Unknown()),
              enabled: Type.Boolean({ default: true }),
            },
            { additionalProperties: false },
          ),
          response: { 200: DestinationView, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!connectorPolicy.mayConfigure(principal, municipalityId)) throw Errors.forbidden();
        const saved = await ctx.connectors.saveDestination(
          { municipalityId, ...request.body },
          actorOf(principal, request),
        );
        return presentDestination(saved);
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/egov/connector-deliveries',
      {
        schema: {
          tags: ['egov'],
          summary: "Queue a submission for its service's destination (used by the case workflow)",
          params: MunicipalityParams,
          body: Type.Object(
            {
              serviceKey: Type.String({ minLength: 1, maxLength: 300 }),
              source: Type.Object(
                {
                  type: Type.String({ minLength: 1, maxLength: 50 }),
                  id: Type.String({ minLength: 1, maxLength: 200 }),
                },
                { additionalProperties: false },
              ),
              submission: SubmissionBody,
            },
            { additionalProperties: false },
          ),
          response: { 202: DeliveryView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!connectorPolicy.mayOperate(principal, municipalityId)) throw Errors.forbidden();
        const { serviceKey, source, submission } = request.body;
        const delivery = await ctx.connectors.deliver(
          { municipalityId, serviceKey, sourceType: source.type, sourceId: source.id, submission },
          actorOf(principal, request),
        );
        return reply.status(202).send(presentDelivery(delivery));
      },
    );

    app.get(
      '/api/egov/connector-deliveries',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Deliveries of every municipality the caller works for; status=failed is the dead-letter list',
          querystring: Type.Object({
            municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Type.Array(DeliveryStatus, { maxItems: 5 })),
            sourceType: Type.Optional(Type.String({ maxLength: 50 })),
            sourceId: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          }),
          response: {
            200: Type.Object({ deliveries: Type.Array(DeliveryView) }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        const allowed = connectorPolicy.deliveryMunicipalities(principal);
        let municipalityIds = allowed;
        if (q.municipalityId) {
          municipalityIds = allowed === 'all' || allowed.includes(q.municipalityId) ? [q.municipalityId] : [];
        }
        const deliveries = await ctx.connectors.listDeliveries({
          municipalityIds,
          statuses: q.status,
          sourceType: q.sourceType,
          sourceId: q.sourceId,
          limit: q.limit,
        });
        return { deliveries: deliveries.map(presentDelivery) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/egov/connector-deliveries/:deliveryId/redeliver',
      {
        schema: {
          tags: ['egov'],
          summary: 'Send a failed delivery again (fresh attempts)',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            deliveryId: Type.String({ format: 'uuid' }),
          }),
          response: { 202: DeliveryView, ...errorResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, deliveryId } = request.params;
        if (!connectorPolicy.mayOperate(principal, municipalityId)) throw Errors.notFound('Delivery');
        const delivery = await ctx.connectors.redeliver(
          municipalityId,
          deliveryId,
          actorOf(principal, request),
        );
        return reply.status(202).send(presentDelivery(delivery));
      },
    );

    // The callback needs the exact bytes for the HMAC, so this plugin reads JSON bodies as text.
    await app.register(async (plain) => {
      const callbacks = plain.withTypeProvider<TypeBoxTypeProvider>();
      callbacks.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
        done(null, body),
      );
      callbacks.post(
        '/api/egov/connectors/callbacks/:destinationId',
        {
          schema: {
            tags: ['egov'],
            summary:
              'Status from the specialised software. FIT-Connect destinations sign with callback-authentication ' +
              '(HMAC-SHA512 over "<callback-timestamp>.<body>", at most 2 minutes old); others with X-SRP-Signature.',
            params: Type.Object({ destinationId: Type.String({ format: 'uuid' }) }),
            body: Type.String({ maxLength: 100_000 }),
            response: {
              200: Type.Object({ deliveryId: Type.String(), status: DeliveryStatus }),
              ...errorResponses(400, 401, 404),
            },
          },
        },
        async (request) => {
          const delivery = await ctx.connectors.receiveStatus(
            request.params.destinationId,
            request.body,
            request.headers,
            parseStatusUpdate,
          );
          return { deliveryId: delivery.id, status: delivery.status };
        },
      );
    });
  };
}
