// The one error shape of the JSON API: { error: { code, message, details? } }. Client errors keep their
// message; server errors are logged with the request id and answered with a generic text.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Errors, isAppError } from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: Record<string, unknown> };
}

// PostgreSQL error classes that mean "your input", not "our bug".
const PG_CLIENT_ERRORS: Record<string, () => AppError> = {
  '22P02': () => Errors.badRequest('Malformed value'),
  '22P05': () => Errors.badRequest('Text contains characters that cannot be stored'),
  '22021': () => Errors.badRequest('Text contains characters that cannot be stored'),
  '22001': () => Errors.badRequest('Value too long'),
  '22003': () => Errors.badRequest('Number out of range'),
  '22007': () => Errors.badRequest('Malformed date or time'),
  '22008': () => Errors.badRequest('Date or time out of range'),
  '23505': () => Errors.conflict('An entry with these values exists already'),
  '23503': () => Errors.conflict('A referenced entry does not exist or is still in use'),
  '23514': () => Errors.badRequest('Value not allowed'),
};
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);

export function toAppError(error: unknown): AppError | undefined {
  if (isAppError(error)) return error;
  const e = error as Partial<FastifyError> & { code?: string; message?: string; validation?: unknown[] };
  if (e.validation) {
    return Errors.validation(e.message ?? 'Invalid request', {
      issues: (e.validation as { instancePath?: string; message?: string; params?: unknown }[]).map((v) => ({
        path: v.instancePath ?? '',
        message: v.message ?? 'invalid',
        params: v.params,
      })),
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.payloadTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Errors.unsupportedMediaType();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return Errors.badRequest('Body must not be empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return Errors.badRequest('Malformed request body');
  }
  if (error instanceof SyntaxError) return Errors.badRequest('Malformed JSON');
  if (e.code && PG_CLIENT_ERRORS[e.code]) return PG_CLIENT_ERRORS[e.code]!();
  if (e.code && CONNECTION_ERRORS.has(e.code)) return Errors.unavailable();
  if (
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      e.message ?? '',
    )
  ) {
    return Errors.unavailable();
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('bad_request', e.statusCode, e.message ?? 'Bad request');
  }
  return undefined;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.code === 'too_many_requests' && typeof error.details?.retryAfterSeconds === 'number') {
    void reply.header('retry-after', String(error.details.retryAfterSeconds));
  }
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.message,
      requestId: request.id,
      ...(error.details ? { details: error.details } : {}),
    },
  };
  return reply.status(error.status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandling(
  app: FastifyInstance,
  notFound: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply> = (
    request,
    reply,
  ) => sendError(request, reply, Errors.notFound('Route')),
): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError) {
      if (appError.status >= 500) request.log.warn({ err: error }, appError.message);
      return sendError(request, reply, appError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, new AppError('internal_error', 500, 'Internal server error'));
  });
  app.setNotFoundHandler(notFound);
}
