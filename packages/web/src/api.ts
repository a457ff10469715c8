// The one place the web app talks to the server: adds the CSRF header to state-changing requests and turns
// the server's error shape `{ error: { code, message, requestId?, details? } }` into an ApiError.

/** Codes the app reacts to; the server may send others, which the UI treats as a generic failure. */
export type KnownErrorCode =
  | 'invalid_credentials'
  | 'too_many_requests'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'network_error';

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly code: KnownErrorCode | (string & {}),
    message: string,
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
    /** From the Retry-After header (429/503), in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const STATE_CHANGING: ReadonlySet<Method> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Set by the session provider whenever it learns a new session. Kept here rather than passed on every
// call so that no request can forget the header.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
/** For requests that cannot go through apiRequest (file uploads). */
export const currentCsrfToken = (): string | null => csrfToken;

interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: Record<string, unknown> };
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = value.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export async function apiRequest<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (STATE_CHANGING.has(method) && csrfToken !== null) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (cause) {
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : 'network error');
  }

  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // e.g. an HTML error page from a proxy
    }
  }

  if (response.ok) return parsed as T;

  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  if (isErrorBody(parsed)) {
    const { code, message, requestId, details } = parsed.error;
    throw new ApiError(response.status, code, message, requestId, details, retryAfterSeconds);
  }
  throw new ApiError(
    response.status,
    `http_${response.status}`,
    response.statusText || `HTTP ${response.status}`,
    undefined,
    undefined,
    retryAfterSeconds,
  );
}

export const api = {
  get: <T>(path: string) => apiRequest<T>('GET', path),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => apiRequest<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => apiRequest<T>('PATCH', path, body),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
};
