// The HTTP edge of the SensorThings API at /sta/v1.1: one catch-all route hands requests to the
// framework-independent handler; errors are rendered as SensorThings clients expect
// ({ code, type: "error", message }) next to the platform's own error object.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../core/errors.js';
import { toAppError } from '../../core/http/error-handler.js';
import { executeBatch, runBatch } from './batch.js';
import { hasPostgis } from './filter-postgis.js';
import type { WriteContext } from '../entities/entity.service.js';
import type { StaRequest, StaResponse } from './handler.js';
import { sensorThingsFor } from './module.js';
import { isMultipart, parseMultipart, renderMultipart } from './multipart.js';

export const STA_PREFIX = '/sta/v1.1';

function staError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply
    .status(error.status)
    .type('application/json; charset=utf-8')
    .send({
      code: error.status,
      type: 'error',
      message: error.message,
      error: { code: error.code, message: error.message, requestId: request.id },
    });
}

export function sensorThingsRoutes(ctx: AppContext) {
  const sta = sensorThingsFor(ctx);
  return async function routes(app: FastifyInstance): Promise<void> {
    sta.settings.postgis = await hasPostgis(ctx.db);
    app.setErrorHandler((error, request, reply) => {
      const appError = toAppError(error);
      if (appError) return staError(request, reply, appError);
      request.log.error({ err: error }, 'unhandled error');
      return staError(request, reply, new AppError('internal_error', 500, 'Internal server error'));
    });

    // A DELETE carries no body, but clients send a Content-Type anyway (the OGC test suite's Java client sends
    // application/x-www-form-urlencoded, others application/json): with nothing to parse it must not be a 415
    // or an empty-JSON 400.
    app.addHook('onRequest', async (request) => {
      const { headers } = request;
      if (
        request.method === 'DELETE' &&
        headers['transfer-encoding'] === undefined &&
        (headers['content-length'] === undefined || headers['content-length'] === '0')
      )
        delete headers['content-type'];
    });

    // multipart/mixed $batch bodies (OData 4.0) arrive as text and are parsed in multipart.ts.
    app.addContentTypeParser('multipart/mixed', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const url = request.url;
      const q = url.indexOf('?');
      const path = (q < 0 ? url : url.slice(0, q)).slice(STA_PREFIX.length);
      const header = request.headers['x-municipality'];
      const staRequest: StaRequest = {
        method: request.method,
        path,
        query: q < 0 ? '' : url.slice(q + 1),
        body: request.body,
        contentType: request.headers['content-type'],
        principal: request.principal,
        base: `${request.protocol}://${request.host}${STA_PREFIX}`,
        municipality: typeof header === 'string' && header !== '' ? header : undefined,
      };
      let response: StaResponse;
      if (/^\/(\$|%24)batch\/?$/.test(path)) {
        if (request.method !== 'POST') throw new AppError('method_not_allowed', 405, 'POST a batch');
        const announce = (w: WriteContext) => sta.entities.announce(w);
        if (isMultipart(staRequest.contentType)) {
          const batch = parseMultipart(
            staRequest.contentType,
            typeof staRequest.body === 'string' ? staRequest.body : '',
          );
          const responses = await executeBatch(sta.handler, ctx.db, staRequest, batch.items, announce);
          const { contentType, body } = renderMultipart(batch, responses);
          return reply.status(200).type(contentType).send(body);
        }
        response = await runBatch(sta.handler, ctx.db, staRequest, announce);
      } else {
        response = await sta.handler.handle(staRequest);
      }
      for (const [k, v] of Object.entries(response.headers ?? {})) void reply.header(k, v);
      void reply.status(response.status);
      if (response.text !== undefined) return reply.type('text/plain; charset=utf-8').send(response.text);
      if (response.body === undefined) return reply.send();
      return reply.type('application/json; charset=utf-8').send(response.body);
    };

    const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
    app.route({ method: [...methods], url: STA_PREFIX, schema: { hide: true }, handler: handle });
    app.route({ method: [...methods], url: `${STA_PREFIX}/*`, schema: { hide: true }, handler: handle });
  };
}
