// The one work inbox of the platform. Domains create tasks (idempotent per source, inside their own
// transaction if they pass one) and listen to `completed`/`cancelled` to close the loop: a rule resolves
// its alert, a report tells the citizen, a case moves on.
import { EventEmitter } from 'node:events';
import type { Database } from '../db/database.js';
import type { Task, TaskComment, TaskStatus } from '../db/schema.js';
import { Errors } from '../errors.js';
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

export class WorkService {
  /** Emitted after the change is committed; listeners must not throw. */
  readonly events = new EventEmitter<WorkEvents>();

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

  /** Open tasks with a location, in the order a crew starting at the depot would drive to them. */
  async route(
    municipalityId: string,
    teamId: string | undefined,
    depot: { latitude: number; longitude: number },
  ) {
    const tasks = await this.repository().openTasksWithLocation(municipalityId, teamId);
    return nearestNeighbourRoute(
      depot,
      tasks.map((t) => ({ ...t, latitude: t.latitude!, longitude: t.longitude! })),
    );
  }

  private async change(
    task: Task,
    values: Parameters<WorkRepository['transition']>[1] & { status?: TaskStatus },
    action: string,
    actor: AuditActor,
    details: Record<string, unknown> = {},
  ): Promise<Task> {
    return this.db.transaction().execute(async (trx) => {
      const changed = await this.repository(trx).transition(task.id, values);
      if (!changed) throw Errors.conflict('The task is closed already');
      await this.audit.record(
        actor,
        { action, targetType: 'task', targetId: task.id, municipalityId: task.municipality_id, details },
        trx,
      );
      return changed;
    });
  }
}
