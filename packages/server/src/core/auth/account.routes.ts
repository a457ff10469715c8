// Citizen accounts of their own: registration with double opt-in, e-mail change and account deletion.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { Errors } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { clearSessionCookie } from './auth.plugin.js';
import { requirePrincipal } from './principal.js';

const Email = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Token = Type.String({ minLength: 1, maxLength: 200 });

const RegisterRequest = Type.Object(
  {
    email: Email,
    displayName: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    password: Type.String({ maxLength: 256 }),
    municipalityId: Type.String({ format: 'uuid' }),
    locale: Type.Optional(Type.Enum(['de', 'en'])),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object({ message: Type.String() });
// One answer for every address, known or not: the response must not tell whether an account exists.
const REGISTER_ACCEPTED = {
  message: 'Please confirm your e-mail address: we have sent a link to it.',
};
const RESEND_ACCEPTED = {
  message:
    'If a registration with this e-mail address is waiting for confirmation, a new link has been sent.',
};
const EMAIL_CHANGE_ACCEPTED = {
  message: 'Please confirm the new address: we have sent a link to it. Until then the current one stays.',
};

export function accountRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const context = (request: { ip: string; id: string }) => ({ ip: request.ip, requestId: request.id });

  return async (app) => {
    app.post(
      '/api/auth/register',
      {
        schema: {
          tags: ['auth'],
          summary:
            'Create a citizen account; it exists once the link in the mail is opened (same answer for known addresses)',
          body: RegisterRequest,
          response: { 202: Accepted, ...errorResponses(400, 429) },
        },
      },
      async (request, reply) => {
        await ctx.accounts.register(
          { ...request.body, locale: request.body.locale ?? 'de' },
          context(request),
        );
        return reply.status(202).send(REGISTER_ACCEPTED);
      },
    );

    app.post(
      '/api/auth/register/resend',
      {
        schema: {
          tags: ['auth'],
          summary: 'Send the confirmation link of a pending registration again; the old link stops working',
          body: Type.Object({ email: Email }, { additionalProperties: false }),
          response: { 202: Accepted, ...errorResponses(400, 429) },
        },
      },
      async (request, reply) => {
        await ctx.accounts.resendVerification(request.body.email, context(request));
        return reply.status(202).send(RESEND_ACCEPTED);
      },
    );

    app.post(
      '/api/auth/register/verify',
      {
        schema: {
          tags: ['auth'],
          summary: 'Confirm the e-mail address with the token from the mail; the account is created',
          body: Type.Object({ token: Token }, { additionalProperties: false }),
          response: { 200: Type.Object({ email: Type.String() }), ...errorResponses(400) },
        },
      },
      async (request) => {
        const { email } = await ctx.accounts.verify(request.body.token, context(request));
        return { email };
      },
    );

    app.post(
      '/api/me/email',
      {
        schema: {
          tags: ['me'],
          summary: 'Change own e-mail address; takes effect when the new address confirms it',
          body: Type.Object(
            { currentPassword: Type.Optional(Type.String({ maxLength: 256 })), newEmail: Email },
            { additionalProperties: false },
          ),
          response: { 202: Accepted, ...errorResponses(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        if (principal.method !== 'session')
          throw Errors.forbidden('The e-mail address is changed in an interactive session');
        await ctx.accounts.requestEmailChange(principal.userId, request.body, context(request));
        return reply.status(202).send(EMAIL_CHANGE_ACCEPTED);
      },
    );

    app.post(
      '/api/auth/email-change/confirm',
      {
        schema: {
          tags: ['auth'],
          summary: 'Confirm a new e-mail address with the token from the mail',
          body: Type.Object({ token: Token }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...errorResponses(400) },
        },
      },
      async (request, reply) => {
        await ctx.accounts.confirmEmailChange(request.body.token, context(request));
        return reply.status(204).send(null);
      },
    );

    app.delete(
      '/api/me',
      {
        schema: {
          tags: ['me'],
          summary:
            'Delete own citizen account (GDPR): personal data and sign-ins go; cases stay for their retention, unlinked',
          body: Type.Object(
            { currentPassword: Type.Optional(Type.String({ maxLength: 256 })), confirm: Type.Literal(true) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        if (principal.method !== 'session')
          throw Errors.forbidden('An account is deleted in an interactive session');
        await ctx.accounts.deleteAccount(
          principal.userId,
          request.body.currentPassword,
          context(request),
          async (trx) => {
            await ctx.egov.cases.unlinkCitizen(principal.userId, trx);
          },
        );
        clearSessionCookie(reply, ctx.config.cookieSecure);
        return reply.status(204).send(null);
      },
    );
  };
}
