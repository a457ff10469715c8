// Single sign-on endpoints. Both are visited by the browser itself (top-level navigations), so they answer
// with redirects: to the provider, back to the page the person came from, or to the login page with a
// hint. JSON errors only where a script may call: the start endpoint when SSO is off or unreachable.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { Errors, isAppError } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { setSessionCookie } from './auth.plugin.js';
import { LOGIN_STATE_MINUTES, OIDC_CALLBACK_PATH, OIDC_START_PATH, SsoError } from './oidc.service.js';

export const OIDC_STATE_COOKIE = 'srp_oidc_state';
/** Where a failed single sign-on lands; the web app shows a hint for `fehler=sso`. */
export const SSO_FAILED_PATH = '/anmelden?fehler=sso';

export function oidcRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { config } = ctx;
  // The cookie goes only to the callback, lives as long as the pending login, and is sent on the
  // provider's top-level redirect back (SameSite=Lax) but never on cross-site subrequests.
  const stateCookie = {
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'lax',
    path: OIDC_CALLBACK_PATH,
  } as const;
  const redirect = (reply: FastifyReply, location: string) =>
    reply.header('cache-control', 'no-store').redirect(location, 302);

  return async (app) => {
    app.get(
      OIDC_START_PATH,
      {
        schema: {
          tags: ['auth'],
          summary: 'Start single sign-on: redirects to the OpenID Connect provider',
          querystring: Type.Object({
            next: Type.Optional(Type.String({ maxLength: 1000, description: 'Path to return to' })),
          }),
          response: { ...errorResponses(404, 429, 503) },
        },
      },
      async (request, reply) => {
        if (!ctx.oidc.enabled) throw Errors.notFound('Single sign-on');
        let started: { authorizationUrl: string; state: string };
        try {
          started = await ctx.oidc.begin(request.query.next, request.ip);
        } catch (error) {
          if (isAppError(error)) throw error;
          request.log.warn({ err: error }, 'single sign-on provider not available');
          throw Errors.unavailable('The single sign-on provider cannot be reached right now');
        }
        void reply.setCookie(OIDC_STATE_COOKIE, started.state, {
          ...stateCookie,
          maxAge: LOGIN_STATE_MINUTES * 60,
        });
        return redirect(reply, started.authorizationUrl);
      },
    );

    app.get(
      OIDC_CALLBACK_PATH,
      {
        schema: {
          tags: ['auth'],
          summary: 'Return from the provider: starts the session and redirects to where the login began',
          // The provider decides the parameters (code, state, iss, session_state, error, …): read raw.
          querystring: Type.Object({}, { additionalProperties: true }),
        },
      },
      async (request, reply) => {
        const browserState = request.cookies[OIDC_STATE_COOKIE];
        void reply.clearCookie(OIDC_STATE_COOKIE, stateCookie);
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
        try {
          if (!ctx.oidc.enabled) throw new SsoError('single sign-on is not configured');
          const { session, nextPath, user } = await ctx.oidc.complete(query, browserState, {
            ip: request.ip,
            userAgent: request.headers['user-agent'] ?? null,
            requestId: request.id,
          });
          // A new login never continues an old session (session fixation). Only now: a forged callback
          // link must not be able to log anyone out.
          if (request.sessionToken) await ctx.auth.logout(request.sessionToken);
          setSessionCookie(reply, session.token, session.expiresAt, config.cookieSecure);
          request.log.info({ userId: user.id }, 'single sign-on completed');
          return redirect(reply, nextPath);
        } catch (error) {
          if (error instanceof SsoError) request.log.warn({ err: error }, 'single sign-on refused');
          else request.log.error({ err: error }, 'single sign-on failed');
          return redirect(reply, SSO_FAILED_PATH);
        }
      },
    );
  };
}
