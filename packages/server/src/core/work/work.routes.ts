import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../audit/audit.service.js';
import { hasRoleIn, requirePrincipal, type Principal } from '../auth/principal.js';
import type { Task, WorkDepot } from '../db/schema.js';
import { Errors } from '../errors.js';
import { errorResponses, MunicipalityParams } from '../http/schemas.js';
import { workPolicy } from './work.policy.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Status = Type.Enum(['open', 'in_progress', 'done', 'cancelled']);
const Priority = Type.Enum(['low', 'normal', 'high', 'urgent']);

const TaskView = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  teamId: Nullable(Type.String()),
  source: Type.Object({ type: Type.String(), id: Type.String() }),
  title: Type.String(),
  description: Type.String(),
  status: Status,
  priority: Priority,
  assigneeId: Nullable(Type.String()),
  dueAt: Nullable(Type.String()),
  location: Nullable(
    Type.Object({ latitude: Type.Number(), longitude: Type.Number(), label: Nullable(Type.String()) }),
  ),
  createdAt: Type.String(),
  completedAt: Nullable(Type.String()),
  completionNote: Nullable(Type.String()),
});

const present = (t: Task) => ({
  id: t.id,
  municipalityId: t.municipality_id,
  teamId: t.team_id,
  source: { type: t.source_type, id: t.source_id },
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  assigneeId: t.assignee_id,
  dueAt: t.due_at?.toISOString() ?? null,
  location:
    t.latitude !== null && t.longitude !== null
      ? { latitude: t.latitude, longitude: t.longitude, label: t.location_label }
      : null,
  createdAt: t.created_at.toISOString(),
  completedAt: t.completed_at?.toISOString() ?? null,
  completionNote: t.completion_note,
});

const RouteStartView = Type.Object({
  latitude: Type.Number(),
  longitude: Type.Number(),
  label: Nullable(Type.String()),
  source: Type.Enum(['given', 'depot', 'centre']),
  teamId: Nullable(Type.String()),
});

const DepotView = Type.Object({
  teamId: Type.String(),
  teamName: Nullable(Type.String()),
  latitude: Type.Number(),
  longitude: Type.Number(),
  label: Nullable(Type.String()),
  updatedAt: Type.String(),
});

const presentDepot = (d: WorkDepot, teamName: string | null) => ({
  teamId: d.org_unit_id,
  teamName,
  latitude: d.latitude,
  longitude: d.longitude,
  label: d.label,
  updatedAt: d.updated_at.toISOString(),
});

const NewTask = Type.Object(
  {
    title: Type.String({ minLength: 3, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    teamId: Type.Optional(Type.String({ format: 'uuid' })),
    priority: Type.Optional(Priority),
    dueAt: Type.Optional(Type.String({ format: 'date-time' })),
    location: Type.Optional(
      Type.Object(
        {
          latitude: Type.Number({ minimum: -90, maximum: 90 }),
          longitude: Type.Number({ minimum: -180, maximum: 180 }),
          label: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const TaskParams = Type.Object({ taskId: Type.String({ format: 'uuid' }) });

export function workRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  /** Loads a task the principal may see; another municipality's task is simply not found. */
  async function visibleTask(principal: Principal, taskId: string): Promise<Task> {
    const task = await ctx.work.get(taskId);
    if (!workPolicy.mayView(principal, task.municipality_id)) throw Errors.notFound('Task');
    return task;
  }

  return async (app) => {
    app.get(
      '/api/work/tasks',
      {
        schema: {
          tags: ['work'],
          summary: 'The work inbox: tasks of every municipality the caller works for, substitutions included',
          querystring: Type.Object({
            municipalityId: Type.Optional(Type.String({ format: 'uuid' })),
            teamId: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Array(Status, { default: ['open', 'in_progress'], maxItems: 4 }),
            mine: Type.Boolean({ default: false }),
            before: Type.Optional(
              Type.String({ maxLength: 100, description: 'nextBefore of the previous page' }),
            ),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          }),
          response: {
            200: Type.Object({ tasks: Type.Array(TaskView), nextBefore: Nullable(Type.String()) }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        let before: { createdAt: Date; id: string } | undefined;
        if (q.before) {
          const [at, id] = q.before.split('_');
          if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id))
            throw Errors.validation('before is malformed');
          before = { createdAt: new Date(at), id };
        }
        const tasks = await ctx.work.list({
          municipalityIds: workPolicy.inboxMunicipalities(principal),
          municipalityId: q.municipalityId,
          teamId: q.teamId,
          statuses: q.status,
          assigneeId: q.mine ? principal.userId : undefined,
          before,
          limit: q.limit,
        });
        const last = tasks.at(-1);
        return {
          tasks: tasks.map(present),
          nextBefore: tasks.length === q.limit && last ? `${last.created_at.toISOString()}_${last.id}` : null,
        };
      },
    );

    app.post(
      '/api/municipalities/:municipalityId/tasks',
      {
        schema: {
          tags: ['work'],
          summary: 'Create a task by hand',
          params: MunicipalityParams,
          body: NewTask,
          response: { 201: TaskView, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!workPolicy.mayCreate(principal, municipalityId)) throw Errors.forbidden();
        const body = request.body;
        if (
          body.teamId &&
          !(await ctx.tenancy.listOrgUnits(municipalityId)).some((u) => u.id === body.teamId)
        ) {
          throw Errors.validation('The team does not belong to this municipality');
        }
        const { task } = await ctx.work.createTask(
          {
            municipalityId,
            sourceType: 'manual',
            sourceId: crypto.randomUUID(),
            title: body.title,
            description: body.description ?? '',
            teamId: body.teamId ?? null,
            priority: body.priority ?? 'normal',
            dueAt: body.dueAt ? new Date(body.dueAt) : null,
            latitude: body.location?.latitude ?? null,
            longitude: body.location?.longitude ?? null,
            locationLabel: body.location?.label ?? null,
          },
          actorOf(principal, request),
        );
        return reply.status(201).send(present(task));
      },
    );

    app.get(
      '/api/work/tasks/:taskId',
      {
        schema: {
          tags: ['work'],
          summary: 'A task with its comments',
          params: TaskParams,
          response: {
            200: Type.Object({
              task: TaskView,
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
        const principal = requirePrincipal(request.principal);
        const task = await visibleTask(principal, request.params.taskId);
        const comments = await ctx.work.comments(task.id);
        return {
          task: present(task),
          comments: comments.map((c) => ({
            id: c.id,
            author: c.author_name,
            body: c.body,
            createdAt: c.created_at.toISOString(),
          })),
        };
      },
    );

    app.post(
      '/api/work/tasks/:taskId/assign',
      {
        schema: {
          tags: ['work'],
          summary: 'Take a task (body {}) or hand it to a colleague (admins, body { assigneeId })',
          params: TaskParams,
          body: Type.Object(
            { assigneeId: Type.Optional(Type.String({ format: 'uuid' })) },
            { additionalProperties: false },
          ),
          response: { 200: TaskView, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const task = await visibleTask(principal, request.params.taskId);
        if (!workPolicy.mayWork(principal, task.municipality_id)) throw Errors.forbidden();
        const assigneeId = request.body.assigneeId ?? principal.userId;
        if (assigneeId !== principal.userId) {
          if (!workPolicy.mayAssignOthers(principal, task.municipality_id))
            throw Errors.forbidden('Only admins hand tasks to others');
          const person = await ctx.identity.findUserById(assigneeId);
          if (!person) throw Errors.notFound('Person');
          const assignee = await ctx.auth.principalForUser(person, 'session');
          if (
            !hasRoleIn(assignee, task.municipality_id, ['municipal_admin', 'caseworker', 'building_yard'])
          ) {
            throw Errors.validation('This person does not work for the municipality');
          }
        }
        return present(await ctx.work.assign(task, assigneeId, actorOf(principal, request)));
      },
    );

    for (const [action, summary] of [
      ['complete', 'Mark a task as done'],
      ['cancel', 'Cancel a task'],
    ] as const) {
      app.post(
        `/api/work/tasks/:taskId/${action}`,
        {
          schema: {
            tags: ['work'],
            summary,
            params: TaskParams,
            body: Type.Object(
              { note: Type.Optional(Type.String({ maxLength: 2000 })) },
              { additionalProperties: false },
            ),
            response: { 200: TaskView, ...errorResponses(401, 403, 404, 409) },
          },
        },
        async (request) => {
          const principal = requirePrincipal(request.principal);
          const task = await visibleTask(principal, request.params.taskId);
          if (!workPolicy.mayWork(principal, task.municipality_id)) throw Errors.forbidden();
          const note = request.body.note ?? null;
          const actor = actorOf(principal, request);
          return present(
            action === 'complete'
              ? await ctx.work.complete(task, note, actor)
              : await ctx.work.cancel(task, note, actor),
          );
        },
      );
    }

    app.post(
      '/api/work/tasks/:taskId/comments',
      {
        schema: {
          tags: ['work'],
          summary: 'Comment on a task (internal)',
          params: TaskParams,
          body: Type.Object(
            { body: Type.String({ minLength: 1, maxLength: 5000 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const task = await visibleTask(principal, request.params.taskId);
        const comment = await ctx.work.comment(task, request.body.body, actorOf(principal, request));
        return reply.status(201).send({ id: comment.id });
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/work-route',
      {
        schema: {
          tags: ['work'],
          summary:
            "The crew's open tasks with a location, ordered as a route (nearest neighbour) from the given point, else the team's depot",
          params: MunicipalityParams,
          querystring: Type.Object({
            teamId: Type.Optional(Type.String({ format: 'uuid' })),
            depotLatitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
            depotLongitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
          }),
          response: {
            200: Type.Object({
              start: Nullable(RouteStartView),
              stops: Type.Array(Type.Object({ task: TaskView, legMetres: Type.Integer() })),
              totalMetres: Type.Integer(),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!workPolicy.mayView(principal, municipalityId)) throw Errors.forbidden();
        const q = request.query;
        if ((q.depotLatitude === undefined) !== (q.depotLongitude === undefined))
          throw Errors.validation('depotLatitude and depotLongitude go together');
        const from =
          q.depotLatitude !== undefined && q.depotLongitude !== undefined
            ? { latitude: q.depotLatitude, longitude: q.depotLongitude }
            : undefined;
        const route = await ctx.work.route(municipalityId, q.teamId, from);
        return {
          start: route.start,
          stops: route.stops.map((r) => ({ task: present(r.stop), legMetres: r.legMetres })),
          totalMetres: route.stops.reduce((sum, r) => sum + r.legMetres, 0),
        };
      },
    );

    app.get(
      '/api/municipalities/:municipalityId/work-depots',
      {
        schema: {
          tags: ['work'],
          summary: "Where the municipality's teams start their rounds",
          params: MunicipalityParams,
          response: {
            200: Type.Object({ depots: Type.Array(DepotView) }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId } = request.params;
        if (!workPolicy.mayView(principal, municipalityId)) throw Errors.forbidden();
        const depots = await ctx.work.depots(municipalityId);
        return { depots: depots.map((d) => presentDepot(d, d.team_name)) };
      },
    );

    app.put(
      '/api/municipalities/:municipalityId/work-depots/:teamId',
      {
        schema: {
          tags: ['work'],
          summary: "Set a team's depot (where its round starts)",
          params: Type.Object({
            municipalityId: Type.String({ format: 'uuid' }),
            teamId: Type.String({ format: 'uuid' }),
          }),
          body: Type.Object(
            {
              latitude: Type.Number({ minimum: -90, maximum: 90 }),
              longitude: Type.Number({ minimum: -180, maximum: 180 }),
              label: Type.Optional(Type.String({ maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: DepotView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, teamId } = request.params;
        if (!workPolicy.mayWork(principal, municipalityId)) throw Errors.forbidden();
        const { latitude, longitude, label } = request.body;
        const saved = await ctx.work.setDepot(
          municipalityId,
          teamId,
          { latitude, longitude, label: label?.trim() || null },
          actorOf(principal, request),
        );
        return presentDepot(saved, null);
      },
    );
  };
}
