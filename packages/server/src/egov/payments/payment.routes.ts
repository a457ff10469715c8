// Payment endpoints. Staff side (JSON): request a payment for a case, list and refresh payments. Citizen
// side (server-rendered pages, top-level navigations): the payment link, the redirect to the provider, the
// provider's return with its signed confirmation. The built-in test provider's page is served here too.
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal } from '../../core/auth/principal.js';
import { safeNextPath } from '../../core/auth/oidc.service.js';
import type { Payment } from '../../core/db/schema.js';
import { Errors, isAppError, type AppError } from '../../core/errors.js';
import { errorResponses, MunicipalityParams } from '../../core/http/schemas.js';
import { PaymentConfirmationInvalid } from './payment-provider.js';
import { pageLanguage, payLinkPage, problemPage, testProviderPage, type Problem } from './payment-pages.js';
import { paymentPolicy } from './payment.policy.js';
import { effectiveStatus, PAY_LINK_PATH, RETURN_PATH } from './payment.service.js';
import { TEST_PROVIDER_PAGE, TestPaymentProvider } from './test-payment-provider.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Status = Type.Enum(['open', 'pending', 'paid', 'failed', 'cancelled', 'expired']);

const PaymentView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  source: Type.Object({ type: Type.String(), id: Type.String() }),
  reference: Type.String(),
  purpose: Type.String(),
  amountCents: Type.Integer(),
  currency: Type.String(),
  provider: Type.String(),
  status: Status,
  createdAt: Type.String(),
  expiresAt: Type.String(),
  paidAt: Nullable(Type.String()),
});

const present = (p: Payment) => ({
  id: p.id,
  municipalityId: p.municipality_id,
  source: { type: p.source_type, id: p.source_id },
  reference: p.reference,
  purpose: p.purpose,
  amountCents: p.amount_cents,
  currency: p.currency,
  provider: p.provider,
  status: effectiveStatus(p),
  createdAt: p.created_at.toISOString(),
  expiresAt: p.expires_at.toISOString(),
  paidAt: p.paid_at?.toISOString() ?? null,
});

const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });
/** The problem a visitor is shown for an error of the payment service (its message is English). */
function problemOf(error: AppError): Problem {
  const reason = error.details?.reason;
  if (reason === 'paid' || reason === 'expired') return reason;
  return error.status === 404 ? 'unknownLink' : 'other';
}

/** What a page needs of its request: its address (for the language link) and its language. */
const visit = (request: FastifyRequest) => ({
  url: request.url,
  lang: pageLanguage(request.url, request.headers['accept-language']),
});

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

export function paymentRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/egov/payments',
      {
        schema: {
          tags: ['egov'],
          summary: 'Request a payment for a case; answers with the link for the citizen (pay-per-link)',
          body: Type.Object(
            {
              municipalityId: Type.String({ format: 'uuid' }),
              source: Type.Object(
                {
                  type: Type.String({ minLength: 1, maxLength: 50 }),
                  id: Type.String({ minLength: 1, maxLength: 200 }),
                },
                { additionalProperties: false },
              ),
              reference: Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z0-9._/-]+$' }),
              purpose: Type.String({ minLength: 1, maxLength: 140 }),
              amountCents: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
              returnPath: Type.Optional(Type.String({ maxLength: 500 })),
              validDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ payment: PaymentView, payUrl: Type.String() }),
            201: Type.Object({ payment: PaymentView, payUrl: Type.String() }),
            ...errorResponses(400, 401, 403, 409, 503),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const body = request.body;
        if (!paymentPolicy.mayRequest(principal, body.municipalityId)) throw Errors.forbidden();
        const { payment, payUrl, created } = await ctx.payments.request(
          {
            municipalityId: body.municipalityId,
            sourceType: body.source.type,
            sourceId: body.source.id,
            reference: body.reference,
            purpose: body.purpose,
            amountCents: body.amountCents,
            returnPath: body.returnPath ? safeNextPath(body.returnPath) : null,
            validDays: body.validDays,
          },
          actorOf(principal, request),
        );
        return reply.status(created ? 201 : 200).send({ payment: present(payment), payUrl });
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/egov/payments',
      {
        schema: {
          tags: ['egov'],
          summary: 'Payments of a municipality, e.g. of one case',
          params: MunicipalityParams,
          querystring: Type.Object({
            sourceType: Type.Optional(Type.String({ maxLength: 50 })),
            sourceId: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          }),
          response: { 200: Type.Object({ payments: Type.Array(PaymentView) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!paymentPolicy.mayView(principal, municipalityId)) throw Errors.forbidden();
        const payments = await ctx.payments.list(municipalityId, request.query);
        return { payments: payments.map(present) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/egov/payments/:paymentId/refresh',
      {
        schema: {
          tags: ['egov'],
          summary: 'Ask the provider for the status of a pending payment',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            paymentId: Type.String({ format: 'uuid' }),
          }),
          response: { 200: PaymentView, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, paymentId } = request.params;
        if (!paymentPolicy.mayView(principal, municipalityId)) throw Errors.notFound('Payment');
        return present(await ctx.payments.refresh(municipalityId, paymentId));
      },
    );

    // Citizen pages and the provider's page answer HTML forms (application/x-www-form-urlencoded).
    await app.register(async (plain) => {
      const pages = plain.withTypeProvider<TypeBoxTypeProvider>();
      pages.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 4096 },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      const hidden = { hide: true } as const;

      pages.get(
        `${PAY_LINK_PATH}/:token`,
        { schema: { ...hidden, params: TokenParams } },
        async (request, reply) => {
          try {
            const payment = await ctx.payments.byLink(request.params.token);
            const action = `${PAY_LINK_PATH}/${encodeURIComponent(request.params.token)}`;
            return html(reply, 200, payLinkPage(visit(request), payment, effectiveStatus(payment), action));
          } catch (error) {
            if (isAppError(error) && error.status === 404) {
              return html(reply, 404, problemPage(visit(request), 'unknownLink'));
            }
            throw error;
          }
        },
      );

      pages.post(
        `${PAY_LINK_PATH}/:token`,
        { schema: { ...hidden, params: TokenParams } },
        async (request, reply) => {
          try {
            const location = await ctx.payments.start(request.params.token);
            return reply.header('cache-control', 'no-store').redirect(location, 303);
          } catch (error) {
            if (isAppError(error) && error.status < 500)
              return html(reply, error.status, problemPage(visit(request), problemOf(error)));
            throw error;
          }
        },
      );

      pages.get(
        `${RETURN_PATH}/:provider`,
        {
          schema: {
            ...hidden,
            params: Type.Object({ provider: Type.String({ maxLength: 50 }) }),
            querystring: Type.Record(Type.String(), Type.String({ maxLength: 8000 })),
          },
        },
        async (request, reply) => {
          const query = request.query;
          const provider = ctx.paymentProvider;
          try {
            if (!provider || provider.id !== request.params.provider)
              throw Errors.notFound('Payment provider');
            const confirmation = provider.verifyConfirmation({ query });
            const payment = await ctx.payments.confirm(provider.id, confirmation);
            // Back to the payment link, if the browser brought the link of this very payment.
            const linked = query.link
              ? await ctx.payments.byLink(query.link).catch(() => undefined)
              : undefined;
            const next = linked?.id === payment.id ? `${PAY_LINK_PATH}/${query.link}` : '/';
            return reply.header('cache-control', 'no-store').redirect(next, 303);
          } catch (error) {
            if (error instanceof PaymentConfirmationInvalid) {
              request.log.warn({ err: error }, 'payment confirmation refused');
              return html(reply, 400, problemPage(visit(request), 'confirmationInvalid'));
            }
            if (isAppError(error) && error.status < 500)
              return html(reply, error.status, problemPage(visit(request), problemOf(error)));
            throw error;
          }
        },
      );

      // The built-in test provider's page, only when it is the configured provider.
      const testProvider = ctx.paymentProvider instanceof TestPaymentProvider ? ctx.paymentProvider : null;
      if (!testProvider) return;
      const OrderQuery = Type.Object({
        o: Type.String({ maxLength: 8000 }),
        s: Type.String({ maxLength: 200 }),
      });
      pages.get(TEST_PROVIDER_PAGE, { schema: { ...hidden, querystring: OrderQuery } }, (request, reply) => {
        try {
          const order = testProvider.readOrder(request.query);
          const action = `${TEST_PROVIDER_PAGE}?${new URLSearchParams(request.query).toString()}`;
          return html(reply, 200, testProviderPage(visit(request), order, action));
        } catch (error) {
          if (!(error instanceof PaymentConfirmationInvalid)) throw error;
          return html(reply, 400, problemPage(visit(request), 'testLinkInvalid'));
        }
      });
      pages.post(
        TEST_PROVIDER_PAGE,
        {
          schema: {
            ...hidden,
            querystring: OrderQuery,
            body: Type.Object({ action: Type.Enum(['confirm', 'cancel']) }),
          },
        },
        (request, reply) => {
          try {
            const order = testProvider.readOrder(request.query);
            const outcome = request.body.action === 'confirm' ? 'paid' : 'cancelled';
            return reply
              .header('cache-control', 'no-store')
              .redirect(testProvider.answer(order, outcome), 303);
          } catch (error) {
            if (!(error instanceof PaymentConfirmationInvalid)) throw error;
            return html(reply, 400, problemPage(visit(request), 'testLinkInvalid'));
          }
        },
      );
    });
  };
}
