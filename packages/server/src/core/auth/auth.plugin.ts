// Resolves the Principal for every request under the authenticated prefixes, from (in this order) an
// Authorization header (Bearer API key / app password, or HTTP Basic) or the session cookie, and enforces
// CSRF tokens on cookie-authenticated writes. Routes then only ask `requirePrincipal(request.principal)`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import type { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';
import { safeEqual } from './tokens.js';

export const SESSION_COOKIE = 'srp_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'REPORT']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
  }
}

export interface AuthPluginOptions {
  auth: AuthService;
  /** Paths below which requests are authenticated (the JSON API and the protocol adapters). */
  prefixes: string[];
  cookieSecure: boolean;
  sessionTtlHours: number;
}

export function registerAuthentication(app: FastifyInstance, options: AuthPluginOptions): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);

  const authenticate = async (request: FastifyRequest, reply: FastifyReply, token: string | undefined) => {
    const header = request.headers.authorization;
    if (header) {
      request.principal = await fromAuthorizationHeader(options.auth, header, request, reply);
      return;
    }
    if (!token) return;
    const principal = await options.auth.principalFromSession(token);
    if (!principal) {
      clearSessionCookie(reply, options.cookieSecure);
      return;
    }
    request.principal = principal;
    request.sessionToken = token;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken))
        throw Errors.csrf();
    }
  };

  // Anonymous requests (most public reads) take the synchronous path: no promise, no lookup.
  app.addHook('onRequest', (request, reply, done) => {
    const token = request.headers.authorization ? undefined : request.cookies[SESSION_COOKIE];
    if (
      (!request.headers.authorization && !token) ||
      !options.prefixes.some((prefix) => request.url.startsWith(prefix))
    ) {
      done();
      return;
    }
    authenticate(request, reply, token).then(() => done(), done);
  });
}

async function fromAuthorizationHeader(
  auth: AuthService,
  header: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal> {
  const space = header.indexOf(' ');
  const scheme = (space > 0 ? header.slice(0, space) : header).toLowerCase();
  const value = space > 0 ? header.slice(space + 1).trim() : '';
  if (scheme === 'bearer') {
    const principal = value ? await auth.principalFromBearer(value) : null;
    if (!principal) throw Errors.unauthenticated('Invalid or revoked API key');
    return principal;
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const principal =
      colon > 0
        ? await auth.principalFromBasic(decoded.slice(0, colon), decoded.slice(colon + 1), request.ip)
        : null;
    if (!principal) {
      void reply.header('www-authenticate', 'Basic realm="Smart Region", charset="UTF-8"');
      throw Errors.unauthenticated('Invalid e-mail or password');
    }
    return principal;
  }
  throw Errors.unauthenticated('Unsupported authorization scheme');
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
}
