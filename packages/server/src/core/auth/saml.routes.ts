// SAML endpoints: our metadata for the IdP, the login start (redirect with the AuthnRequest) and the
// Assertion Consumer Service (the IdP's auto-submitted form, HTTP-POST binding). Like OpenID Connect, the
// browser-facing endpoints answer with redirects; a refused login lands on the login page with a hint.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { Errors, isAppError } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { setSessionCookie } from './auth.plugin.js';
import { SSO_FAILED_PATH } from './oidc.routes.js';
import { SsoError } from './oidc.service.js';
import { SAML_ACS_PATH, SAML_LOGIN_PATH, SAML_METADATA_PATH } from './saml.service.js';

export function samlRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const redirect = (reply: FastifyReply, location: string, status: 302 | 303 = 302) =>
    reply.header('cache-control', 'no-store').redirect(location, status);

  return async (app) => {
    app.get(
      SAML_METADATA_PATH,
      {
        schema: {
          tags: ['auth'],
          summary: 'SAML 2.0 service provider metadata (entity ID, ACS, certificate) for the IdP',
          response: { ...errorResponses(404) },
        },
      },
      async (_request, reply) => {
        if (!ctx.saml.enabled) throw Errors.notFound('SAML single sign-on');
        return reply.type('application/samlmetadata+xml').send(await ctx.saml.metadata());
      },
    );

    app.get(
      SAML_LOGIN_PATH,
      {
        schema: {
          tags: ['auth'],
          summary: 'Start SAML single sign-on (BundID): redirects to the IdP with an AuthnRequest',
          querystring: Type.Object({
            next: Type.Optional(Type.String({ maxLength: 1000, description: 'Path to return to' })),
          }),
          response: { ...errorResponses(404, 429, 503) },
        },
      },
      async (request, reply) => {
        if (!ctx.saml.enabled) throw Errors.notFound('SAML single sign-on');
        let location: string;
        try {
          location = await ctx.saml.begin(request.query.next, request.ip);
        } catch (error) {
          if (isAppError(error)) throw error;
          request.log.warn({ err: error }, 'SAML identity provider not available');
          throw Errors.unavailable('The identity provider cannot be reached right now');
        }
        return redirect(reply, location);
      },
    );

    // The IdP's form posts application/x-www-form-urlencoded.
    await app.register(async (plain) => {
      const acs = plain.withTypeProvider<TypeBoxTypeProvider>();
      acs.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 512 * 1024 },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      acs.post(
        SAML_ACS_PATH,
        {
          schema: {
            tags: ['auth'],
            summary: 'SAML Assertion Consumer Service (HTTP-POST): starts the session and redirects',
            body: Type.Object(
              {
                SAMLResponse: Type.Optional(Type.String({ maxLength: 500_000 })),
                RelayState: Type.Optional(Type.String({ maxLength: 200 })),
              },
              { additionalProperties: true },
            ),
          },
        },
        async (request, reply) => {
          try {
            if (!ctx.saml.enabled) throw new SsoError('SAML single sign-on is not configured');
            const { session, nextPath, user } = await ctx.saml.complete(request.body, {
              ip: request.ip,
              userAgent: request.headers['user-agent'] ?? null,
              requestId: request.id,
            });
            // A new login never continues an old session (session fixation).
            if (request.sessionToken) await ctx.auth.logout(request.sessionToken);
            setSessionCookie(reply, session.token, session.expiresAt, ctx.config.cookieSecure);
            request.log.info({ userId: user.id }, 'SAML single sign-on completed');
            return redirect(reply, nextPath, 303);
          } catch (error) {
            if (error instanceof SsoError) request.log.warn({ err: error }, 'SAML single sign-on refused');
            else request.log.error({ err: error }, 'SAML single sign-on failed');
            return redirect(reply, SSO_FAILED_PATH, 303);
          }
        },
      );
    });
  };
}
