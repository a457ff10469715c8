// Data protection for clubs: an export of everything a club has (a ZIP made by a job and kept in the one
// file storage for a few days) and the deletion of a club (shut at once, removed by a job in batches).
// Everything stays on the platform's own storage; the ZIP is streamed, never held in memory.
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { Club, CloudExport } from '../../core/db/schema.js';
import { Errors, isAppError } from '../../core/errors.js';
import type { FileStorage } from '../../core/files/storage.js';
import type { JobQueue } from '../../core/jobs/index.js';
import { CalendarRepository } from '../calendar/calendar.repository.js';
import { combinedCalendar } from '../calendar/ical.js';
import { ClubsRepository } from '../clubs.repository.js';
import type { ClubsService } from '../clubs.service.js';
import { ClubDataRepository } from './data.repository.js';
import { README_TEXT } from './readme.js';

export const EXPORT_JOB = 'cloud.export';
export const DELETE_JOB = 'cloud.club.delete';
export const EXPORT_DAYS = 7;
const DELETE_BATCH = 500;

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'cloud.export': { exportId: string };
    'cloud.club.delete': { clubId: string };
  }
}

/** Where a club's bytes live; every blob of the club (files, versions, exports) is under it. */
export const clubPrefix = (club: Club) => `m/${club.municipality_id}/cloud/${club.id}/`;

/** Names in the ZIP: no path separators or control characters inside a segment. */
const safeName = (name: string) =>
  Array.from(name, (c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 ? '_' : c)).join('') || '_';

export class ClubDataService {
  constructor(
    private readonly db: Database,
    private readonly files: FileStorage,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
    private readonly clubs: ClubsService,
  ) {}

  private repository(executor: Database = this.db) {
    return new ClubDataRepository(executor);
  }

  async startExport(club: Club, userId: string, actor: AuditActor): Promise<CloudExport> {
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).createExport({
        clubId: club.id,
        municipalityId: club.municipality_id,
        createdBy: userId,
        expiresAt: new Date(Date.now() + EXPORT_DAYS * 86_400_000),
      });
      await this.jobs.enqueue(
        EXPORT_JOB,
        { exportId: row.id },
        { municipalityId: club.municipality_id, uniqueKey: `cloud-export:${row.id}`, maxAttempts: 3 },
        trx,
      );
      await this.audit.record(
        actor,
        {
          action: 'cloud.export_started',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { exportId: row.id },
        },
        trx,
      );
      return row;
    });
  }

  listExports(club: Club): Promise<CloudExport[]> {
    return this.repository().listExports(club.id, new Date());
  }

  /** A finished, unexpired export as a stream; the download is audited. */
  async openExport(club: Club, exportId: string, actor: AuditActor) {
    const row = await this.repository().findExport(club.id, exportId);
    if (!row || row.expires_at <= new Date()) throw Errors.notFound('Export');
    if (row.status !== 'done' || !row.blob_key) throw Errors.conflict('The export is not ready yet');
    const file = await this.files.get(row.blob_key);
    await this.audit.record(actor, {
      action: 'cloud.export_downloaded',
      targetType: 'club',
      targetId: club.id,
      municipalityId: club.municipality_id,
      details: { exportId: row.id },
    });
    return { row, file };
  }

  /** The job: writes the ZIP. Runs again from the start after an interruption (same key, overwritten). */
  async runExport(exportId: string, lastAttempt: boolean): Promise<void> {
    const repo = this.repository();
    const row = await repo.findExportById(exportId);
    if (!row || row.status === 'done') return;
    const club = await new ClubsRepository(this.db).find(row.club_id);
    if (!club || club.status !== 'active') {
      await repo.updateExport(row.id, {
        status: 'failed',
        error: 'club_not_active',
        finished_at: new Date(),
      });
      return;
    }
    try {
      const key = `${clubPrefix(club)}exports/${row.id}.zip`;
      const size = await this.writeZip(club, row.id, key);
      await repo.updateExport(row.id, { status: 'done', blob_key: key, size, finished_at: new Date() });
    } catch (error) {
      if (lastAttempt)
        await repo.updateExport(row.id, {
          status: 'failed',
          error: error instanceof Error ? error.message.slice(0, 500) : 'error',
          finished_at: new Date(),
        });
      throw error;
    }
  }

  private async writeZip(club: Club, exportId: string, key: string): Promise<number> {
    const repo = this.repository();
    const nodes = await repo.currentNodes(club.id);
    const files = nodes.filter((n) => n.kind === 'file' && n.blob_key);
    await repo.updateExport(exportId, { status: 'running', files_done: 0, files_total: files.length });

    const zip = new yazl.ZipFile();
    // Storage reads the ZIP while we add entries; if it fails, adding must stop too.
    const stored = this.files.put(key, zip.outputStream as Readable, { contentType: 'application/zip' });
    const failure: { error?: Error } = {};
    stored.catch((error: unknown) => {
      failure.error = error instanceof Error ? error : new Error('storage failed');
    });

    const byId = new Map(nodes.map((n) => [n.id, n]));
    const pathOf = (id: string): string => {
      const parts: string[] = [];
      for (
        let n = byId.get(id);
        n && n.parent_id !== null;
        n = n.parent_id ? byId.get(n.parent_id) : undefined
      )
        parts.unshift(safeName(n.name));
      return parts.join('/');
    };
    const mtime = new Date();
    zip.addBuffer(Buffer.from(README_TEXT(club, mtime), 'utf8'), 'README.txt', { mtime });
    for (const folder of nodes.filter((n) => n.kind === 'folder' && n.parent_id !== null)) {
      const path = pathOf(folder.id);
      if (path) zip.addEmptyDirectory(`Dateien/${path}/`, { mtime: folder.modified_at });
    }

    let done = 0;
    for (const file of files) {
      if (failure.error) throw failure.error;
      let content;
      try {
        content = await this.files.get(file.blob_key!);
      } catch (error) {
        // Purged from the trash while the export ran: it is no longer club data.
        if (!isAppError(error) || error.code !== 'file_not_found') throw error;
        await repo.updateExport(exportId, { files_done: ++done });
        continue;
      }
      zip.addReadStream(content.stream, `Dateien/${pathOf(file.id)}`, { mtime: file.modified_at });
      // One source stream open at a time: wait until the ZIP has read this one.
      // A failed put rejects the race, so a broken store ends the export here.
      await Promise.race([once(content.stream, 'end'), stored.then(() => undefined)]);
      await repo.updateExport(exportId, { files_done: ++done });
    }

    const calendars = new CalendarRepository(this.db);
    for (const calendar of await calendars.listCalendars(club.municipality_id, club.id)) {
      const objects = await calendars.listObjects(club.municipality_id, calendar.id);
      const text = combinedCalendar(
        calendar.name,
        objects.map((o) => o.ical),
      );
      zip.addBuffer(Buffer.from(text, 'utf8'), `Kalender/${safeName(calendar.slug)}.ics`, { mtime });
    }

    const clubs = new ClubsRepository(this.db);
    const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
    zip.addBuffer(
      json({
        club: {
          id: club.id,
          name: club.name,
          slug: club.slug,
          registerNumber: club.register_number,
          contactEmail: club.contact_email,
          createdAt: club.created_at,
        },
        members: await clubs.listMembers(club.id),
        groups: (await clubs.listGroups(club.id)).map((g) => ({
          id: g.id,
          name: g.name,
          fileAccess: g.file_access,
          mayManageMembers: g.may_manage_members,
          memberIds: g.member_ids,
        })),
        invitations: await repo.invitations(club.id),
      }),
      'Mitglieder.json',
      { mtime },
    );
    const requests = await repo.supportRequests(club.id);
    const messages = await repo.supportMessages(club.id);
    zip.addBuffer(
      json(requests.map((r) => ({ ...r, messages: messages.filter((m) => m.request_id === r.id) }))),
      'Support-Anfragen.json',
      { mtime },
    );
    zip.addBuffer(json(await repo.publicLinks(club.id)), 'Oeffentliche-Links.json', { mtime });
    zip.end();
    const result = await stored;
    return result.size;
  }

  /** Removes expired exports from storage and database (hourly). */
  async removeExpiredExports(now = new Date()): Promise<number> {
    const repo = this.repository();
    let removed = 0;
    for (;;) {
      const batch = await repo.expiredExports(now, 100);
      for (const row of batch) {
        if (row.blob_key) await this.files.delete(row.blob_key);
        await repo.deleteExport(row.id);
        removed++;
      }
      if (batch.length < 100) return removed;
    }
  }

  /** Shuts the club at once (no access over any protocol) and queues the removal of its data. */
  /** Shuts the club and queues the deletion job; inside the caller's transaction when one is given. */
  async startDeletion(club: Club, actor: AuditActor, executor?: Database): Promise<void> {
    const start = async (trx: Database) => {
      if (!(await this.repository(trx).markDeleting(club.id))) return;
      await this.jobs.enqueue(
        DELETE_JOB,
        { clubId: club.id },
        { municipalityId: club.municipality_id, uniqueKey: `cloud-club-delete:${club.id}`, maxAttempts: 10 },
        trx,
      );
      await this.audit.record(
        actor,
        {
          action: 'club.deletion_started',
          targetType: 'club',
          targetId: club.id,
          municipalityId: club.municipality_id,
          details: { name: club.name, slug: club.slug },
        },
        trx,
      );
    };
    await (executor ? start(executor) : this.db.transaction().execute(start));
  }

  /**
   * The job: removes the club's bytes in batches, then its rows (they cascade from clubs). Every step
   * can run again, so an interrupted run is finished by the next one.
   */
  async runDeletion(clubId: string, actor: AuditActor): Promise<void> {
    const club = await new ClubsRepository(this.db).find(clubId);
    if (!club || club.status !== 'deleting') return;
    const repo = this.repository();
    for (;;) {
      const uploads = await repo.uploadIds(club.id, DELETE_BATCH);
      for (const id of uploads) {
        await this.files.abortUpload(id);
        await repo.deleteUpload(club.id, id);
      }
      if (uploads.length < DELETE_BATCH) break;
    }
    for (let after = ''; ;) {
      const keys = await repo.blobKeys(club.id, after, DELETE_BATCH);
      for (const key of keys) await this.files.delete(key);
      if (keys.length < DELETE_BATCH) break;
      after = keys.at(-1)!;
    }
    // A last sweep for bytes no row points at any more (e.g. a crash between put and commit).
    const prefix = clubPrefix(club);
    for (;;) {
      const page = await this.files.list(prefix, { limit: DELETE_BATCH });
      if (page.items.length === 0) break;
      for (const item of page.items) await this.files.delete(item.key);
    }
    await repo.unpublishCalendarEvents(club.id, club.municipality_id);
    await this.clubs.deleteClubRecords(club, actor);
  }
}
