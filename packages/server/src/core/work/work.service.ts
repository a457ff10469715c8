// The one work inbox of the platform. Domains create tasks (idempotent per source, inside their own
// transaction if they pass one) and listen to `completed`/`cancelled` to close the loop: a rule resolves
// its alert, a report tells the citizen, a case moves on.
import { EventEmitter } from 'node:events';
import type { Database } from '../db/database.js';
import type { Task, TaskComment, TaskStatus } from '../db/schema.js';
import { Errors } from '../errors.js';
import { TransactionalEvents } from '../jobs/outbox.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { nearestNeighbourRoute } from './route-order.js';
import { WorkRepository, type NewTask } from './work.repository.js';

export interface WorkEvents {
  created: [task: Task];
  completed: [task: Task];
  cancelled: [task: Task];
}

export type TaskInput = Omit<
  NewTask,
  'priority' | 'description' | 'teamId' | 'dueAt' | 'latitude' | 'longitude' | 'locationLabel' | 'createdBy'
> &
  Partial<
    Pick<
      NewTask,
      'priority' | 'description' | 'teamId' | 'dueAt' | 'latitude' | 'longitude' | 'locationLabel'
    >
  >;

/** Where a route starts and why: a given point, a team's depot, or the centre of the stops. */
export interface RouteStart {
  latitude: number;
  longitude: number;
  label: string | null;
  source: 'given' | 'depot' | 'centre';
  teamId: string | null;
}

export class WorkService {
  /** Emitted after the change is committed; listeners must not throw. */
  readonly events = new EventEmitter<WorkEvents>();
  /** `completed`/`cancelled` inside the closing transaction, for follow-ups that must not be lost. */
  readonly outbox = new TransactionalEvents<{ completed: Task; cancelled: Task }>();

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new WorkRepository(executor);
  }

  /** Creates a task for a source, or returns the one still open for it. */
  async createTask(
    input: TaskInput,
    actor: AuditActor,
    executor?: Database,
  ): Promise<{ task: Task; created: boolean }> {
    const write = async (trx: Database) => {
      const result = await this.repository(trx).createOrGetOpen({
        priority: 'normal',
        description: '',
        teamId: null,
        dueAt: null,
        latitude: null,
        longitude: null,
        locationLabel: null,
        ...input,
        createdBy: actor.userId,
      });
      if (result.created) {
        await this.audit.record(
          actor,
          {
            action: 'task.created',
            targetType: 'task',
            targetId: result.task.id,
            municipalityId: input.municipalityId,
            details: { source: `${input.sourceType}:${input.sourceId}` },
          },
          trx,
        );
      }
      return result;
    };
    const result = executor ? await write(executor) : await this.db.transaction().execute(write);
    if (result.created && !executor) this.events.emit('created', result.task);
    return result;
  }

  async get(id: string): Promise<Task> {
    const task = await this.repository().find(id);
    if (!task) throw Errors.notFound('Task');
    return task;
  }

  list(query: Parameters<WorkRepository['list']>[0]): Promise<Task[]> {
    return this.repository().list(query);
  }

  async assign(task: Task, assigneeId: string, actor: AuditActor): Promise<Task> {
    return this.change(task, { status: 'in_progress', assignee_id: assigneeId }, 'task.assigned', actor, {
      assigneeId,
    });
  }

  async complete(task: Task, note: string | null, actor: AuditActor): Promise<Task> {
    const done = await this.change(
      task,
      { status: 'done', completed_at: new Date(), completed_by: actor.userId, completion_note: note },
      'task.completed',
      actor,
      {},
      'completed',
    );
    this.events.emit('completed', done);
    return done;
  }

  async cancel(task: Task, note: string | null, actor: AuditActor): Promise<Task> {
    const cancelled = await this.change(
      task,
      { status: 'cancelled', completed_at: new Date(), completed_by: actor.userId, completion_note: note },
      'task.cancelled',
      actor,
      {},
      'cancelled',
    );
    this.events.emit('cancelled', cancelled);
    return cancelled;
  }

  /** Cancels the open task of a source, e.g. when the alert behind it resolved by itself. */
  async cancelForSource(
    sourceType: string,
    sourceId: string,
    note: string,
    actor: AuditActor,
  ): Promise<Task | undefined> {
    const task = await this.repository().findOpenBySource(sourceType, sourceId);
    return task ? this.cancel(task, note, actor) : undefined;
  }

  async comment(task: Task, body: string, actor: AuditActor): Promise<TaskComment> {
    return this.repository().addComment(task.id, actor.userId, body);
  }

  comments(taskId: string) {
    return this.repository().listComments(taskId);
  }

  depots(municipalityId: string) {
    return this.repository().listDepots(municipalityId);
  }

  /** Sets where a team's round starts (audited). */
  async setDepot(
    municipalityId: string,
    teamId: string,
    depot: { latitude: number; longitude: number; label: string | null },
    actor: AuditActor,
  ) {
    return this.db.transaction().execute(async (trx) => {
      const saved = await this.repository(trx).setDepot(municipalityId, teamId, depot, actor.userId);
      if (!saved) throw Errors.notFound('Team');
      await this.audit.record(
        actor,
        {
          action: 'work.depot_set',
          targetType: 'org_unit',
          targetId: teamId,
          municipalityId,
          details: depot,
        },
        trx,
      );
      return saved;
    });
  }

  /**
   * Open tasks with a location, in the order a crew would drive to them. The start: the given point
   * (e.g. the phone's position), else the team's stored depot, else the municipality's first depot,
   * else the centre of the stops.
   */
  async route(
    municipalityId: string,
    teamId: string | undefined,
    from: { latitude: number; longitude: number } | undefined,
  ) {
    const tasks = await this.repository().openTasksWithLocation(municipalityId, teamId);
    const stops = tasks.map((t) => ({ ...t, latitude: t.latitude!, longitude: t.longitude! }));
    let start: RouteStart | undefined = from && { ...from, source: 'given', label: null, teamId: null };
    if (!start) {
      const depots = await this.repository().listDepots(municipalityId);
      const depot = depots.find((d) => d.org_unit_id === teamId) ?? (teamId ? undefined : depots[0]);
      if (depot)
        start = {
          latitude: depot.latitude,
          longitude: depot.longitude,
          label: depot.label ?? depot.team_name,
          source: 'depot',
          teamId: depot.org_unit_id,
        };
    }
    if (!start && stops.length > 0)
      start = {
        latitude: stops.reduce((sum, s) => sum + s.latitude, 0) / stops.length,
        longitude: stops.reduce((sum, s) => sum + s.longitude, 0) / stops.length,
        label: null,
        source: 'centre',
        teamId: null,
      };
    return { start: start ?? null, stops: start ? nearestNeighbourRoute(start, stops) : [] };
  }

  private async change(
    task: Task,
    values: Parameters<WorkRepository['transition']>[1] & { status?: TaskStatus },
    action: string,
    actor: AuditActor,
    details: Record<string, unknown> = {},
    event?: 'completed' | 'cancelled',
  ): Promise<Task> {
    return this.db.transaction().execute(async (trx) => {
      const changed = await this.repository(trx).transition(task.id, values);
      if (!changed) throw Errors.conflict('The task is closed already');
      await this.audit.record(
        actor,
        { action, targetType: 'task', targetId: task.id, municipalityId: task.municipality_id, details },
        trx,
      );
      if (event) await this.outbox.publish(event, changed, trx);
      return changed;
    });
  }
}
