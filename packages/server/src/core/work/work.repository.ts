import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Task, TaskComment, TaskPriority, TaskStatus, WorkDepot } from '../db/schema.js';

export interface NewTask {
  municipalityId: string;
  teamId: string | null;
  sourceType: string;
  sourceId: string;
  title: string;
  description: string;
  priority: TaskPriority;
  dueAt: Date | null;
  latitude: number | null;
  longitude: number | null;
  locationLabel: string | null;
  createdBy: string | null;
}

export interface InboxQuery {
  /** The municipalities whose tasks may be listed ('all' for platform admins). */
  municipalityIds: string[] | 'all';
  municipalityId?: string | undefined;
  teamId?: string | undefined;
  statuses: TaskStatus[];
  assigneeId?: string | undefined;
  /** Only tasks of this source type whose source id starts with the prefix (e.g. one egov case's steps). */
  source?: { type: string; idPrefix: string } | undefined;
  /** Keyset pagination over (created_at, id), newest first. */
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

export class WorkRepository {
  constructor(private readonly db: Database) {}

  /** Creates the task, or returns the open task that already exists for the same source. */
  async createOrGetOpen(task: NewTask): Promise<{ task: Task; created: boolean }> {
    const inserted = await this.db
      .insertInto('tasks')
      .values({
        municipality_id: task.municipalityId,
        team_id: task.teamId,
        source_type: task.sourceType,
        source_id: task.sourceId,
        title: task.title,
        description: task.description,
        priority: task.priority,
        due_at: task.dueAt,
        latitude: task.latitude,
        longitude: task.longitude,
        location_label: task.locationLabel,
        created_by: task.createdBy,
      })
      .onConflict((oc) =>
        oc.columns(['source_type', 'source_id']).where('status', 'in', ['open', 'in_progress']).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { task: inserted, created: true };
    const existing = await this.db
      .selectFrom('tasks')
      .selectAll()
      .where('source_type', '=', task.sourceType)
      .where('source_id', '=', task.sourceId)
      .where('status', 'in', ['open', 'in_progress'])
      .executeTakeFirstOrThrow();
    return { task: existing, created: false };
  }

  find(id: string): Promise<Task | undefined> {
    return this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findOpenBySource(sourceType: string, sourceId: string): Promise<Task | undefined> {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('source_type', '=', sourceType)
      .where('source_id', '=', sourceId)
      .where('status', 'in', ['open', 'in_progress'])
      .executeTakeFirst();
  }

  list(query: InboxQuery): Promise<Task[]> {
    let q = this.db.selectFrom('tasks').selectAll().where('status', 'in', query.statuses);
    if (query.municipalityIds !== 'all') {
      if (query.municipalityIds.length === 0) return Promise.resolve([]);
      q = q.where('municipality_id', 'in', query.municipalityIds);
    }
    if (query.municipalityId) q = q.where('municipality_id', '=', query.municipalityId);
    if (query.teamId) q = q.where('team_id', '=', query.teamId);
    if (query.assigneeId) q = q.where('assignee_id', '=', query.assigneeId);
    if (query.source) {
      const prefix = query.source.idPrefix.replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where('source_type', '=', query.source.type).where('source_id', 'like', `${prefix}%`);
    }
    if (query.before) {
      const { createdAt, id } = query.before;
      q = q.where(sql<boolean>`(created_at, id) < (${createdAt}, ${id}::uuid)`);
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  }

  /** Moves a task that is still open or in progress; returns undefined when it was not. */
  async transition(
    id: string,
    values: Partial<{
      status: TaskStatus;
      assignee_id: string | null;
      completed_at: Date | null;
      completed_by: string | null;
      completion_note: string | null;
    }>,
  ): Promise<Task | undefined> {
    return this.db
      .updateTable('tasks')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', ['open', 'in_progress'])
      .returningAll()
      .executeTakeFirst();
  }

  async addComment(taskId: string, authorId: string | null, body: string): Promise<TaskComment> {
    return this.db
      .insertInto('task_comments')
      .values({ task_id: taskId, author_id: authorId, body })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listComments(taskId: string): Promise<(TaskComment & { author_name: string | null })[]> {
    return this.db
      .selectFrom('task_comments as c')
      .leftJoin('users as u', 'u.id', 'c.author_id')
      .selectAll('c')
      .select('u.display_name as author_name')
      .where('c.task_id', '=', taskId)
      .orderBy('c.created_at')
      .execute();
  }

  openTasksWithLocation(municipalityId: string, teamId: string | undefined): Promise<Task[]> {
    let q = this.db
      .selectFrom('tasks')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('status', 'in', ['open', 'in_progress'])
      .where('latitude', 'is not', null)
      .where('longitude', 'is not', null);
    if (teamId) q = q.where('team_id', '=', teamId);
    return q.orderBy('created_at').limit(500).execute();
  }

  /** The municipality's depots with their team's name, by team name. */
  listDepots(municipalityId: string): Promise<(WorkDepot & { team_name: string })[]> {
    return this.db
      .selectFrom('work_depots as d')
      .innerJoin('org_units as u', 'u.id', 'd.org_unit_id')
      .selectAll('d')
      .select('u.name as team_name')
      .where('d.municipality_id', '=', municipalityId)
      .orderBy('u.name')
      .execute();
  }

  /** Sets the depot of a team of this municipality; undefined when the team is not one of its units. */
  async setDepot(
    municipalityId: string,
    teamId: string,
    depot: { latitude: number; longitude: number; label: string | null },
    updatedBy: string | null,
  ): Promise<WorkDepot | undefined> {
    const team = await this.db
      .selectFrom('org_units')
      .select('id')
      .where('id', '=', teamId)
      .where('municipality_id', '=', municipalityId)
      .executeTakeFirst();
    if (!team) return undefined;
    const values = { ...depot, updated_by: updatedBy, updated_at: new Date() };
    return this.db
      .insertInto('work_depots')
      .values({ org_unit_id: teamId, municipality_id: municipalityId, ...values })
      .onConflict((oc) => oc.column('org_unit_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
