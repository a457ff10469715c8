import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthProviders, LoginRequest, SessionInfo } from '@srp/contracts';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../audit/audit.service.js';
import { Errors } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { clearSessionCookie, setSessionCookie } from './auth.plugin.js';
import { presentSession } from './auth.presenter.js';
import { SCOPES, requirePrincipal, hasRoleIn, type Principal } from './principal.js';

const Credential = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['api_key', 'app_password']),
  label: Type.String(),
  scopes: Type.Array(Type.String()),
  municipalityId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const NewCredential = Type.Object(
  {
    kind: Type.Enum(['api_key', 'app_password']),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.Enum([...SCOPES]), { minItems: 1, uniqueItems: true }),
    municipalityId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const ProfilePatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    locale: Type.Optional(Type.Enum(['de', 'en'])),
    appPasswordsOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const PasswordChange = Type.Object(
  { currentPassword: Type.String({ maxLength: 256 }), newPassword: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

const PasswordResetRequest = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }) },
  { additionalProperties: false },
);

const PasswordResetConfirm = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

const Accepted = Type.Object({ message: Type.String() });
// One answer for every address, known or not: the response must not tell whether an account exists.
const RESET_ACCEPTED = {
  message: 'If an account with this e-mail address exists, a link to reset its password has been sent.',
};

export function authRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { config } = ctx;
  const sessionInfo = async (principal: Principal | null) => {
    const home = principal?.homeMunicipalityId
      ? await ctx.tenancy.municipality(principal.homeMunicipalityId)
      : null;
    return presentSession(principal, home && { id: home.id, slug: home.slug, name: home.name });
  };

  return async (app) => {
    app.get(
      '/api/auth/session',
      {
        schema: {
          tags: ['auth'],
          summary: 'The current session, roles and CSRF token',
          response: { 200: SessionInfo },
        },
      },
      async (request) => sessionInfo(request.principal),
    );

    app.get(
      '/api/auth/providers',
      { schema: { tags: ['auth'], summary: 'Ways to log in', response: { 200: AuthProviders } } },
      () => ({
        local: true,
        oidc: config.OIDC_ISSUER ? { label: config.OIDC_LABEL, startUrl: '/api/auth/oidc/start' } : null,
        saml: config.SAML_IDP_METADATA
          ? { label: config.SAML_LABEL, startUrl: '/api/auth/saml/login' }
          : null,
      }),
    );

    app.post(
      '/api/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Log in with e-mail and password; sets the session cookie',
          body: LoginRequest,
          response: { 200: SessionInfo, ...errorResponses(400, 401, 429) },
        },
      },
      async (request, reply) => {
        // A new login never continues an old session (session fixation).
        if (request.sessionToken) await ctx.auth.logout(request.sessionToken);
        const session = await ctx.auth.login(request.body.email, request.body.password, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          requestId: request.id,
        });
        setSessionCookie(reply, session.token, session.expiresAt, config.cookieSecure);
        return sessionInfo(session.principal);
      },
    );

    app.post(
      '/api/auth/logout',
      { schema: { tags: ['auth'], summary: 'End the session', response: { 204: Type.Null() } } },
      async (request, reply) => {
        if (request.sessionToken) await ctx.auth.logout(request.sessionToken);
        clearSessionCookie(reply, config.cookieSecure);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/auth/password-reset/request',
      {
        schema: {
          tags: ['auth'],
          summary:
            'Ask for a password reset link by e-mail; the same answer whether the account exists or not',
          body: PasswordResetRequest,
          response: { 202: Accepted, ...errorResponses(400, 429) },
        },
      },
      async (request, reply) => {
        await ctx.passwordReset.request(request.body.email, { ip: request.ip, requestId: request.id });
        return reply.status(202).send(RESET_ACCEPTED);
      },
    );

    app.post(
      '/api/auth/password-reset/confirm',
      {
        schema: {
          tags: ['auth'],
          summary: 'Set a new password with the token from the reset link; ends all sessions of the account',
          body: PasswordResetConfirm,
          response: { 204: Type.Null(), ...errorResponses(400) },
        },
      },
      async (request, reply) => {
        await ctx.passwordReset.confirm(request.body.token, request.body.newPassword, {
          ip: request.ip,
          requestId: request.id,
        });
        return reply.status(204).send(null);
      },
    );

    app.patch(
      '/api/me',
      {
        schema: {
          tags: ['me'],
          summary: 'Change own profile',
          body: ProfilePatch,
          response: { 200: SessionInfo, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        await ctx.identity.updateProfile(principal.userId, request.body, actorOf(principal, request));
        const user = await ctx.identity.findUserById(principal.userId);
        return sessionInfo({ ...principal, displayName: user!.display_name, locale: user!.locale });
      },
    );

    app.post(
      '/api/me/password',
      {
        schema: {
          tags: ['me'],
          summary: 'Change own password; ends all other sessions',
          body: PasswordChange,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        if (principal.method !== 'session')
          throw Errors.forbidden('Passwords are changed in an interactive session');
        const check = await ctx.auth.principalFromBasic(
          principal.email,
          request.body.currentPassword,
          request.ip,
        );
        if (!check) throw Errors.invalidCredentials();
        await ctx.identity.setPassword(
          principal.userId,
          request.body.newPassword,
          actorOf(principal, request),
        );
        await ctx.auth.endOtherSessions(principal.userId, request.sessionToken);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/me/credentials',
      {
        schema: {
          tags: ['me'],
          summary: 'Own API keys and app passwords',
          response: { 200: Type.Object({ credentials: Type.Array(Credential) }) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const credentials = await ctx.auth.listCredentials(principal.userId);
        return { credentials: credentials.map(presentCredential) };
      },
    );

    app.post(
      '/api/me/credentials',
      {
        schema: {
          tags: ['me'],
          summary: 'Create an API key or app password; the secret is shown only in this response',
          body: NewCredential,
          response: {
            201: Type.Object({ credential: Credential, secret: Type.String() }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        // Machines may not mint further credentials: a leaked key must not be able to multiply itself.
        if (principal.method !== 'session')
          throw Errors.forbidden('Credentials are created in an interactive session');
        const municipalityId = request.body.municipalityId ?? null;
        if (
          municipalityId &&
          !hasRoleIn(
            principal,
            municipalityId,
            principal.grants.map((g) => g.role),
          )
        ) {
          throw Errors.forbidden('You have no role in this municipality');
        }
        const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
        if (expiresAt && expiresAt.getTime() <= Date.now())
          throw Errors.validation('expiresAt lies in the past');
        const issued = await ctx.auth.issueCredential(
          principal,
          {
            kind: request.body.kind,
            label: request.body.label,
            scopes: request.body.scopes,
            municipalityId,
            expiresAt,
          },
          actorOf(principal, request),
        );
        return reply
          .status(201)
          .send({ credential: presentCredential(issued.credential), secret: issued.secret });
      },
    );

    app.delete(
      '/api/me/credentials/:id',
      {
        schema: {
          tags: ['me'],
          summary: 'Revoke an API key or app password',
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          response: { 204: Type.Null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        await ctx.auth.revokeCredential(principal, request.params.id, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );
  };
}

function presentCredential(c: {
  id: string;
  kind: 'api_key' | 'app_password';
  label: string;
  scopes: string[];
  municipality_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}) {
  return {
    id: c.id,
    kind: c.kind,
    label: c.label,
    scopes: c.scopes,
    municipalityId: c.municipality_id,
    createdAt: c.created_at.toISOString(),
    lastUsedAt: c.last_used_at?.toISOString() ?? null,
    expiresAt: c.expires_at?.toISOString() ?? null,
    revokedAt: c.revoked_at?.toISOString() ?? null,
  };
}
