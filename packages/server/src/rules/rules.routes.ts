// HTTP endpoints of rules, alerts and warnings for staff. Public warnings and subscriptions are in
// warnings.routes.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { requirePrincipal, type Principal } from '../core/auth/principal.js';
import type { RuleRow } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses, MunicipalityParams } from '../core/http/schemas.js';
import {
  Condition,
  Schedule,
  type Condition as ConditionType,
  type Schedule as ScheduleType,
} from './condition.js';
import type { AlertWithRule } from './rules.repository.js';
import { rulesPolicy } from './rules.policy.js';
import {
  AlertStatus,
  AlertView,
  Nullable,
  PublicWarningView,
  RuleInput,
  RuleView,
  WarningInput,
  type RuleActions,
} from './rules.schema.js';
import { MASK, type RulesService } from './rules.service.js';
import { presentWarning } from './warnings.routes.js';

export function presentRule(rule: RuleRow) {
  const actions = { ...(rule.actions as RuleActions) };
  if (actions.webhook) actions.webhook = { ...actions.webhook, secret: MASK };
  return {
    id: rule.id,
    municipalityId: rule.municipality_id,
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    shared: rule.shared,
    severity: rule.severity,
    condition: rule.condition as ConditionType,
    schedule: (rule.schedule as ScheduleType | null) ?? null,
    actions,
    dampingMinutes: rule.damping_minutes,
    createdAt: rule.created_at.toISOString(),
    updatedAt: new Date(rule.updated_at).toISOString(),
  };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function presentAlert(a: AlertWithRule) {
  return {
    id: a.id,
    municipalityId: a.municipality_id,
    ruleId: a.rule_id,
    ruleName: a.rule_name,
    subject: a.subject,
    status: a.status,
    severity: a.severity,
    title: a.title,
    message: a.message,
    value: a.value,
    openedAt: a.opened_at.toISOString(),
    acknowledgedAt: iso(a.acknowledged_at),
    acknowledgedBy: a.acknowledged_by,
    escalatedAt: iso(a.escalated_at),
    resolvedAt: iso(a.resolved_at),
    resolvedBy: a.resolved_by,
    resolution: a.resolution,
    reopenCount: a.reopen_count,
    taskId: a.task_id,
  };
}

const RuleParams = Type.Object({
  municipalityId: Type.String({ format: 'uuid' }),
  ruleId: Type.String({ format: 'uuid' }),
});
const AlertParams = Type.Object({ alertId: Type.String({ format: 'uuid' }) });
const HistoryTest = Type.Object(
  {
    condition: Condition,
    schedule: Type.Optional(Nullable(Schedule)),
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
const HistoryResult = Type.Object({
  observations: Type.Integer(),
  truncated: Type.Boolean(),
  alerts: Type.Array(
    Type.Object({
      subject: Type.String(),
      openedAt: Type.String(),
      resolvedAt: Nullable(Type.String()),
      value: Type.Number(),
    }),
  ),
});

export function rulesRoutes(ctx: AppContext, rules: RulesService): FastifyPluginAsyncTypebox {
  function authorize(p: Principal, municipalityId: string, may: (p: Principal, m: string) => boolean) {
    if (!may(p, municipalityId)) throw Errors.forbidden();
  }
  async function visibleAlert(p: Principal, alertId: string) {
    const alert = await rules.getAlert(alertId);
    if (!rulesPolicy.mayView(p, alert.municipality_id)) throw Errors.notFound('Alert');
    return alert;
  }

  return async (app) => {
    app.get(
      '/api/municipalities/:municipalityId/rules',
      {
        schema: {
          tags: ['rules'],
          summary:
            "The municipality's rules, and the rules other municipalities of the region share as templates",
          params: MunicipalityParams,
          response: {
            200: Type.Object({
              rules: Type.Array(RuleView),
              templates: Type.Array(
                Type.Intersect([RuleView, Type.Object({ municipalityName: Type.String() })]),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayView);
        const [own, templates] = await Promise.all([
          rules.listRules(municipalityId),
          rules.listTemplates(municipalityId),
        ]);
        return {
          rules: own.map(presentRule),
          templates: templates.map((t) => {
            // A template is copied without its recipients and secrets.
            const rule = presentRule(t);
            return {
              ...rule,
              actions: {
                ...(rule.actions.task ? { task: rule.actions.task } : {}),
                ...(rule.actions.warning ? { warning: rule.actions.warning } : {}),
              },
              municipalityName: t.municipality_name,
            };
          }),
        };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/rule-datastreams',
      {
        schema: {
          tags: ['rules'],
          summary: 'Datastreams a rule of the municipality can watch',
          params: MunicipalityParams,
          response: {
            200: Type.Object({
              datastreams: Type.Array(
                Type.Object({
                  id: Type.Integer(),
                  name: Type.String(),
                  thingName: Type.String(),
                  unit: Nullable(Type.String()),
                }),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        authorize(p, request.params.municipalityId, rulesPolicy.mayView);
        const rows = await rules.listDatastreams(request.params.municipalityId);
        return {
          datastreams: rows.map((r) => ({ id: r.id, name: r.name, thingName: r.thing_name, unit: r.unit })),
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/rules',
      {
        schema: {
          tags: ['rules'],
          summary: 'Create a rule',
          params: MunicipalityParams,
          body: RuleInput,
          response: { 201: RuleView, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayManageRules);
        const rule = await rules.createRule(municipalityId, request.body, actorOf(p, request));
        return reply.status(201).send(presentRule(rule));
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/rules/:ruleId',
      {
        schema: {
          tags: ['rules'],
          summary: 'A rule',
          params: RuleParams,
          response: { 200: RuleView, ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        authorize(p, request.params.municipalityId, rulesPolicy.mayView);
        return presentRule(await rules.getRule(request.params.municipalityId, request.params.ruleId));
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/rules/:ruleId',
      {
        schema: {
          tags: ['rules'],
          summary: 'Replace a rule (its evaluation state starts afresh)',
          params: RuleParams,
          body: RuleInput,
          response: { 200: RuleView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId, ruleId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayManageRules);
        return presentRule(await rules.updateRule(municipalityId, ruleId, request.body, actorOf(p, request)));
      },
    );

    app.delete(
      '/api/municipalities/:municipalityId/rules/:ruleId',
      {
        schema: {
          tags: ['rules'],
          summary: 'Delete a rule and its alerts',
          params: RuleParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId, ruleId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayManageRules);
        await rules.deleteRule(municipalityId, ruleId, actorOf(p, request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/rule-tests',
      {
        schema: {
          tags: ['rules'],
          summary:
            'Test a condition against stored history: which alerts it would have opened and when they would have resolved',
          params: MunicipalityParams,
          body: HistoryTest,
          response: { 200: HistoryResult, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayView);
        const body = request.body;
        const result = await rules.testAgainstHistory(
          municipalityId,
          body.condition,
          body.schedule ?? null,
          new Date(body.from),
          new Date(body.to),
        );
        return {
          ...result,
          alerts: result.alerts.map((a) => ({
            subject: a.subject,
            openedAt: new Date(a.openedAt).toISOString(),
            resolvedAt: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
            value: a.value,
          })),
        };
      },
    );

    app.get(
      '/api/alerts',
      {
        schema: {
          tags: ['rules'],
          summary: 'Alerts of every municipality the caller works for, newest first',
          querystring: Type.Object({
            municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Array(AlertStatus, { default: ['open', 'acknowledged'], maxItems: 3 }),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          }),
          response: { 200: Type.Object({ alerts: Type.Array(AlertView) }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        const q = request.query;
        const alerts = await rules.listAlerts({
          municipalityIds: rulesPolicy.alertMunicipalities(p),
          municipalityId: q.municipalityId,
          statuses: q.status,
          limit: q.limit,
        });
        return { alerts: alerts.map(presentAlert) };
      },
    );

    app.get(
      '/api/alerts/:alertId',
      {
        schema: {
          tags: ['rules'],
          summary: 'An alert with its comments',
          params: AlertParams,
          response: {
            200: Type.Object({
              alert: AlertView,
              comments: Type.Array(
                Type.Object({
                  id: Type.String(),
                  author: Nullable(Type.String()),
                  body: Type.String(),
                  createdAt: Type.String(),
                }),
              ),
            }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        const alert = await visibleAlert(p, request.params.alertId);
        const comments = await rules.comments(alert.id);
        return {
          alert: presentAlert(alert),
          comments: comments.map((c) => ({
            id: c.id,
            author: c.author_name,
            body: c.body,
            createdAt: c.created_at.toISOString(),
          })),
        };
      },
    );

    for (const [action, summary] of [
      ['acknowledge', 'Acknowledge an alert: somebody takes care (stops the escalation)'],
      ['resolve', 'Resolve an alert by hand'],
    ] as const) {
      app.post(
        `/api/alerts/:alertId/${action}`,
        {
          schema: {
            tags: ['rules'],
            summary,
            params: AlertParams,
            response: { 200: AlertView, ...errorResponses(401, 403, 404, 409) },
          },
        },
        async (request) => {
          const p = requirePrincipal(request.principal);
          const alert = await visibleAlert(p, request.params.alertId);
          if (!rulesPolicy.mayRespond(p, alert.municipality_id)) throw Errors.forbidden();
          const actor = actorOf(p, request);
          if (action === 'acknowledge') await rules.acknowledge(alert, actor);
          else await rules.resolve(alert, actor);
          return presentAlert(await rules.getAlert(alert.id));
        },
      );
    }

    app.post(
      '/api/alerts/:alertId/comments',
      {
        schema: {
          tags: ['rules'],
          summary: 'Comment on an alert',
          params: AlertParams,
          body: Type.Object(
            { body: Type.String({ minLength: 1, maxLength: 5000 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request.principal);
        const alert = await visibleAlert(p, request.params.alertId);
        if (!rulesPolicy.mayRespond(p, alert.municipality_id)) throw Errors.forbidden();
        const comment = await rules.comment(alert, request.body.body, actorOf(p, request));
        return reply.status(201).send({ id: comment.id });
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/warnings',
      {
        schema: {
          tags: ['rules'],
          summary: "The municipality's public warnings, current and past",
          params: MunicipalityParams,
          response: {
            200: Type.Object({ warnings: Type.Array(PublicWarningView) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const p = requirePrincipal(request.principal);
        authorize(p, request.params.municipalityId, rulesPolicy.mayView);
        return { warnings: (await rules.listWarnings(request.params.municipalityId)).map(presentWarning) };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/warnings',
      {
        schema: {
          tags: ['rules'],
          summary: 'Publish a warning by hand (subscribers are told)',
          params: MunicipalityParams,
          body: WarningInput,
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayPublishWarnings);
        const warning = await rules.createWarning(municipalityId, request.body, actorOf(p, request));
        return reply.status(201).send({ id: warning.id });
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/warnings/:warningId/end',
      {
        schema: {
          tags: ['rules'],
          summary: 'End a warning now',
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            warningId: Type.String({ format: 'uuid' }),
          }),
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const p = requirePrincipal(request.principal);
        const { municipalityId, warningId } = request.params;
        authorize(p, municipalityId, rulesPolicy.mayPublishWarnings);
        await rules.endWarning(municipalityId, warningId, actorOf(p, request));
        return reply.status(204).send(null);
      },
    );
  };
}
