// Public, anonymous endpoints: the warnings in force (the dashboard's banner and /warnungen) and the
// citizens' subscriptions: e-mail with double opt-in and one-click unsubscribe (RFC 8058), Web Push.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { PublicWarningRow } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses } from '../core/http/schemas.js';
import { PublicWarningView, PushSubscriptionInput } from './rules.schema.js';
import type { RulesService } from './rules.service.js';

type Area =
  { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

export function presentWarning(w: PublicWarningRow & { municipality_name: string }) {
  return {
    id: w.id,
    municipalityId: w.municipality_id,
    municipalityName: w.municipality_name,
    level: w.level,
    title: w.title,
    text: w.text,
    areaDescription: w.area_description,
    area: (w.area as Area | null) ?? null,
    validFrom: new Date(w.valid_from).toISOString(),
    validUntil: w.valid_until === null ? null : new Date(w.valid_until).toISOString(),
    updatedAt: new Date(w.updated_at).toISOString(),
  };
}

const Ok = Type.Object({ ok: Type.Boolean() });
const Token = Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

export function warningsRoutes(rules: RulesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // RFC 8058: the one-click unsubscribe arrives as a form post ("List-Unsubscribe=One-Click").
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );

    app.get(
      '/api/public/warnings',
      {
        schema: {
          tags: ['warnings'],
          summary: 'Public warnings in force now, of one municipality or the whole region',
          querystring: Type.Object({ municipality: Type.Optional(Type.String({ format: 'uuid' })) }),
          response: {
            200: Type.Object({ warnings: Type.Array(PublicWarningView) }),
            304: Type.Null(),
            ...errorResponses(400),
          },
        },
      },
      async (request, reply) => {
        const warnings = (await rules.activeWarnings(request.query.municipality)).map(presentWarning);
        const body = { warnings };
        const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
        void reply.header('cache-control', 'public, max-age=15').header('etag', etag);
        const match = request.headers['if-none-match'];
        if (match && match.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`))
          return reply.status(304).send(null);
        return body;
      },
    );

    app.post(
      '/api/public/warning-subscriptions',
      {
        schema: {
          tags: ['warnings'],
          summary:
            'Subscribe an e-mail address to the warnings of a municipality (sends a confirmation link)',
          body: Type.Object(
            {
              municipalityId: Type.String({ format: 'uuid' }),
              email: Type.String({ format: 'email', maxLength: 200 }),
            },
            { additionalProperties: false },
          ),
          response: { 202: Ok, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        await rules.subscribeEmail(request.body.municipalityId, request.body.email.trim());
        // The same answer whether or not the address was subscribed already.
        return reply.status(202).send({ ok: true });
      },
    );

    app.post(
      '/api/public/warning-subscriptions/confirm',
      {
        schema: {
          tags: ['warnings'],
          summary: 'Confirm an e-mail subscription with the token from the link',
          body: Type.Object({ token: Token }, { additionalProperties: false }),
          response: { 200: Ok, ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        if (!(await rules.confirm(request.body.token))) throw Errors.notFound('Subscription');
        return { ok: true };
      },
    );

    app.post(
      '/api/public/warning-subscriptions/unsubscribe',
      {
        schema: {
          tags: ['warnings'],
          summary: 'Unsubscribe (one click from the mail program per RFC 8058, or from the page)',
          querystring: Type.Object({ token: Type.Optional(Token) }),
          body: Type.Optional(
            Type.Object({ token: Type.Optional(Token), 'List-Unsubscribe': Type.Optional(Type.String()) }),
          ),
          response: { 200: Ok, ...errorResponses(400) },
        },
      },
      async (request) => {
        const token = request.query.token ?? request.body?.token;
        if (!token) throw Errors.validation('The token is missing');
        // Unknown tokens answer the same: unsubscribing twice is fine.
        await rules.unsubscribe(token);
        return { ok: true };
      },
    );

    app.get(
      '/api/public/webpush/key',
      {
        schema: {
          tags: ['warnings'],
          summary: "The platform's VAPID public key, for PushManager.subscribe({ applicationServerKey })",
          response: { 200: Type.Object({ publicKey: Type.String() }) },
        },
      },
      async () => ({ publicKey: await rules.vapidPublicKey() }),
    );

    app.post(
      '/api/public/warning-subscriptions/push',
      {
        schema: {
          tags: ['warnings'],
          summary: "Subscribe a browser's push subscription to the warnings of a municipality",
          body: Type.Object(
            { municipalityId: Type.String({ format: 'uuid' }), subscription: PushSubscriptionInput },
            { additionalProperties: false },
          ),
          response: { 201: Ok, ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { municipalityId, subscription } = request.body;
        await rules.subscribePush(municipalityId, subscription.endpoint, subscription.keys);
        return reply.status(201).send({ ok: true });
      },
    );

    app.post(
      '/api/public/warning-subscriptions/push/remove',
      {
        schema: {
          tags: ['warnings'],
          summary: "Remove a browser's push subscription (all municipalities)",
          body: Type.Object({ endpoint: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
          response: { 200: Ok, ...errorResponses(400) },
        },
      },
      async (request) => {
        await rules.unsubscribePush(request.body.endpoint);
        return { ok: true };
      },
    );
  };
}
