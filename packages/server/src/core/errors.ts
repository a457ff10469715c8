// Named errors with stable codes. The domain throws these; each protocol edge (JSON API, WebDAV, STA,
// Open311) translates them to its own wire format. Codes are part of the API contract: never rename.

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const Errors = {
  badRequest: (message: string, details?: Record<string, unknown>) =>
    new AppError('bad_request', 400, message, details),
  validation: (message: string, details?: Record<string, unknown>) =>
    new AppError('validation_failed', 400, message, details),
  unauthenticated: (message = 'Authentication required') => new AppError('unauthenticated', 401, message),
  invalidCredentials: () => new AppError('invalid_credentials', 401, 'E-mail or password is wrong'),
  resetTokenInvalid: () =>
    new AppError('reset_token_invalid', 400, 'The reset link is unknown, expired or has been used already'),
  verificationTokenInvalid: () =>
    new AppError(
      'verification_token_invalid',
      400,
      'The confirmation link is unknown, expired or has been used already',
    ),
  forbidden: (message = 'You are not allowed to do this') => new AppError('forbidden', 403, message),
  csrf: () => new AppError('csrf_failed', 403, 'Missing or invalid CSRF token'),
  notFound: (what = 'Resource') => new AppError('not_found', 404, `${what} not found`),
  conflict: (message: string, details?: Record<string, unknown>) =>
    new AppError('conflict', 409, message, details),
  payloadTooLarge: () => new AppError('payload_too_large', 413, 'Request body is too large'),
  unsupportedMediaType: () => new AppError('unsupported_media_type', 415, 'Unsupported content type'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError('too_many_requests', 429, 'Too many attempts, try again later', { retryAfterSeconds }),
  unavailable: (message = 'Service temporarily unavailable') => new AppError('unavailable', 503, message),
} as const;

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
