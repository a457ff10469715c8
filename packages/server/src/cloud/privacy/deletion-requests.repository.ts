// SQL of deletion requests. Every query is scoped by the club or by the municipalities asked about.
import type { Database } from '../../core/db/database.js';
import type { ClubDeletionRequest, ClubDeletionRequestStatus } from '../../core/db/schema.js';

export interface DeletionRequestRow extends ClubDeletionRequest {
  club_name: string;
  requester_name: string | null;
  requester_email: string | null;
}

export class DeletionRequestsRepository {
  constructor(private readonly db: Database) {}

  private withNames() {
    return this.db
      .selectFrom('club_deletion_requests as r')
      .innerJoin('clubs', 'clubs.id', 'r.club_id')
      .leftJoin('users', 'users.id', 'r.requested_by')
      .selectAll('r')
      .select([
        'clubs.name as club_name',
        'users.display_name as requester_name',
        'users.email as requester_email',
      ]);
  }

  create(values: {
    clubId: string;
    municipalityId: string;
    note: string | null;
    requestedBy: string | null;
  }): Promise<ClubDeletionRequest> {
    return this.db
      .insertInto('club_deletion_requests')
      .values({
        club_id: values.clubId,
        municipality_id: values.municipalityId,
        note: values.note,
        requested_by: values.requestedBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  setTask(id: string, taskId: string) {
    return this.db
      .updateTable('club_deletion_requests')
      .set({ task_id: taskId })
      .where('id', '=', id)
      .execute();
  }

  /** The newest request of the club (pending or decided), with names. */
  latest(clubId: string): Promise<DeletionRequestRow | undefined> {
    return this.withNames()
      .where('r.club_id', '=', clubId)
      .orderBy('r.created_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  pending(clubId: string): Promise<DeletionRequestRow | undefined> {
    return this.withNames()
      .where('r.club_id', '=', clubId)
      .where('r.status', '=', 'pending')
      .executeTakeFirst();
  }

  pendingIn(municipalityIds: string[] | 'all'): Promise<DeletionRequestRow[]> {
    if (municipalityIds.length === 0) return Promise.resolve([]);
    let query = this.withNames().where('r.status', '=', 'pending');
    if (municipalityIds !== 'all') query = query.where('r.municipality_id', 'in', municipalityIds);
    return query.orderBy('r.created_at').execute();
  }

  /** Closes a pending request; undefined when it was no longer pending (a concurrent decision). */
  close(
    clubId: string,
    id: string,
    values: {
      status: Exclude<ClubDeletionRequestStatus, 'pending'>;
      decidedBy: string | null;
      reason: string | null;
    },
  ): Promise<ClubDeletionRequest | undefined> {
    return this.db
      .updateTable('club_deletion_requests')
      .set({
        status: values.status,
        decided_by: values.decidedBy,
        decision_reason: values.reason,
        decided_at: new Date(),
      })
      .where('club_id', '=', clubId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
  }
}
