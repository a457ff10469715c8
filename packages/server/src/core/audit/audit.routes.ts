import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from './audit.service.js';
import { municipalitiesWithRole, requirePrincipal, type Principal } from '../auth/principal.js';
import { Errors } from '../errors.js';
import { errorResponses } from '../http/schemas.js';
import { identityPolicy } from '../identity/identity.policy.js';
import type { AuditEntry, AuditQuery } from './audit.repository.js';

const Filters = {
  municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  actorUserId: Type.Optional(Type.String({ format: 'uuid' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};

const Entry = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  municipalityId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.String(),
  targetId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

const present = (e: AuditEntry) => ({
  id: e.id,
  at: e.at.toISOString(),
  actorUserId: e.actor_user_id,
  actor: e.actor_label,
  municipalityId: e.municipality_id,
  action: e.action,
  targetType: e.target_type,
  targetId: e.target_id,
  details: e.details,
  ip: e.ip,
  requestId: e.request_id,
});

/** Platform admins read everything; municipal admins the entries of their municipalities. */
function readableScope(principal: Principal, municipalityId: string | undefined): string[] | 'all' {
  if (municipalityId) {
    if (!identityPolicy.mayReadAudit(principal, municipalityId)) throw Errors.forbidden();
    return [municipalityId];
  }
  if (identityPolicy.mayReadPlatformAudit(principal)) return 'all';
  const ids = municipalitiesWithRole(principal, ['municipal_admin']);
  if (ids !== 'all' && ids.length === 0) throw Errors.forbidden();
  return ids;
}

const csvCell = (value: unknown) => {
  const text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // Quote always; neutralise spreadsheet formulas (CSV injection).
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
};

export function auditRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit log, newest first (keyset pagination with `before`)',
          querystring: Type.Object({
            ...Filters,
            before: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          }),
          response: {
            200: Type.Object({
              entries: Type.Array(Entry),
              nextBefore: Type.Union([Type.Integer(), Type.Null()]),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        const entries = await ctx.audit.list({
          municipalityIds: readableScope(principal, q.municipalityId),
          action: q.action,
          actorUserId: q.actorUserId,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          beforeId: q.before,
          limit: q.limit,
        });
        return {
          entries: entries.map(present),
          nextBefore: entries.length === q.limit ? entries.at(-1)!.id : null,
        };
      },
    );

    app.get(
      '/api/audit/export',
      {
        schema: {
          tags: ['audit'],
          summary: 'Export the audit log as CSV or JSON lines (streamed)',
          querystring: Type.Object({ ...Filters, format: Type.Enum(['csv', 'jsonl'], { default: 'csv' }) }),
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        const base: Omit<AuditQuery, 'limit' | 'beforeId'> = {
          municipalityIds: readableScope(principal, q.municipalityId),
          action: q.action,
          actorUserId: q.actorUserId,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
        };
        // The export itself is audited: it moves personal data out of the platform.
        await ctx.audit.record(actorOf(principal, request), {
          action: 'audit.exported',
          targetType: 'audit_log',
          municipalityId: q.municipalityId ?? null,
          details: { format: q.format },
        });
        const audit = ctx.audit;
        async function* lines() {
          if (q.format === 'csv') {
            yield 'id,at,actor_user_id,actor,municipality_id,action,target_type,target_id,details,ip,request_id\r\n';
          }
          let beforeId: number | undefined;
          for (;;) {
            const page = await audit.list({ ...base, beforeId, limit: 1000 });
            for (const e of page) {
              const p = present(e);
              yield q.format === 'csv'
                ? `${Object.values(p).map(csvCell).join(',')}\r\n`
                : `${JSON.stringify(p)}\n`;
            }
            if (page.length < 1000) return;
            beforeId = page.at(-1)!.id;
          }
        }
        const stamp = new Date().toISOString().slice(0, 10);
        return reply
          .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-${stamp}.${q.format}"`)
          .send(Readable.from(lines()));
      },
    );
  };
}
