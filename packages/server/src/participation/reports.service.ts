// Citizen reports (Mängelmelder): routed by location and category to the responsible municipality and
// team, tracked with an unguessable link, worked on by staff (triage, comments, duplicates, tasks for the
// building yard) and told to the reporter by e-mail. The service never knows whether the web form or an
// Open311 client asked.
import { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import { systemActor } from '../core/audit/audit.service.js';
import { newToken, sha256 } from '../core/auth/tokens.js';
import type { Database } from '../core/db/database.js';
import type { Report, ReportCategory, ReportPhoto, ReportStatus, Task } from '../core/db/schema.js';
import { AppError, Errors } from '../core/errors.js';
import type { FileStorage } from '../core/files/index.js';
import type { NotificationService } from '../core/notifications/index.js';
import type { WorkService } from '../core/work/work.service.js';
import { boundingBox, contains, isBoundary } from './geo.js';
import { cleanPhoto, type CleanPhoto } from './photos.js';
import { reportMail } from './reports.mail.js';
import { ReportsRepository, type ReportQuery, type ReportRow } from './reports.repository.js';

export const REPORT_SOURCE = 'report';
export const MAX_PHOTOS_PER_REPORT = 5;
export const TRACKING_PATH = '/mitmachen/meldungen/verfolgen/';

export interface ReportInput {
  /** The municipalities the report may be routed to (a region's, or the one an Open311 client named). */
  candidateMunicipalityIds: string[];
  categoryCode: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  attributes?: Record<string, unknown>;
  mediaUrl?: string | null;
  reporterName?: string | null;
  reporterEmail?: string | null;
  reporterPhone?: string | null;
  reporterUserId?: string | null;
  channel: 'web' | 'open311';
}

export interface StaffChange {
  status?: ReportStatus;
  statusNote?: string | null;
  categoryCode?: string;
}

const notRoutable = (message: string) => new AppError('report_not_routable', 422, message);

export class ReportService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly work: WorkService,
    private readonly files: FileStorage,
    private readonly config: Pick<Config, 'PUBLIC_URL' | 'PARTICIPATION_PHOTO_MAX_MB'>,
  ) {
    // Closing the loop: when the building yard finishes the task, the report is done and the reporter told.
    work.events.on('completed', (task) => void this.closeFromTask(task).catch(() => undefined));
  }

  private repository(executor: Database = this.db) {
    return new ReportsRepository(executor);
  }

  trackingUrl(token: string): string {
    return `${this.config.PUBLIC_URL}${TRACKING_PATH}${token}`;
  }

  // --- categories and boundaries

  categories(municipalityId: string, onlyActive = true) {
    return this.repository().categories(municipalityId, onlyActive);
  }

  categoriesOf(municipalityIds: string[]) {
    return this.repository().categoriesOf(municipalityIds);
  }

  async saveCategory(
    values: Parameters<ReportsRepository['upsertCategory']>[0],
    actor: AuditActor,
  ): Promise<ReportCategory> {
    return this.db.transaction().execute(async (trx) => {
      const category = await this.repository(trx).upsertCategory(values);
      await this.audit.record(
        actor,
        {
          action: 'report_category.saved',
          targetType: 'report_category',
          targetId: category.id,
          municipalityId: values.municipalityId,
          details: { code: values.code },
        },
        trx,
      );
      return category;
    });
  }

  async setBoundary(municipalityId: string, geometry: unknown, actor: AuditActor): Promise<void> {
    if (!isBoundary(geometry))
      throw Errors.validation('The boundary must be a GeoJSON Polygon or MultiPolygon');
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).setBoundary(municipalityId, geometry, boundingBox(geometry));
      await this.audit.record(
        actor,
        { action: 'boundary.saved', targetType: 'municipality', targetId: municipalityId, municipalityId },
        trx,
      );
    });
  }

  /** `executor`: another domain's open transaction (rules read the boundary while evaluating). */
  boundaries(municipalityIds: string[], executor?: Database) {
    return this.repository(executor).boundaries(municipalityIds);
  }

  /** The municipality whose boundary contains the point, among the candidates. */
  async municipalityAt(candidates: string[], latitude: number, longitude: number): Promise<string | null> {
    const rows = await this.repository().boundaryCandidates(candidates, latitude, longitude);
    const hit = rows.find((row) => isBoundary(row.geometry) && contains(row.geometry, latitude, longitude));
    return hit?.municipality_id ?? null;
  }

  // --- citizens

  /** Routes and stores a report; returns it with its tracking token (shown once, stored only hashed). */
  async submit(input: ReportInput, actor: AuditActor): Promise<{ report: ReportRow; token: string }> {
    let municipalityId: string | null = null;
    if (input.latitude !== null && input.longitude !== null) {
      municipalityId = await this.municipalityAt(
        input.candidateMunicipalityIds,
        input.latitude,
        input.longitude,
      );
      if (!municipalityId && input.candidateMunicipalityIds.length === 1)
        municipalityId = input.candidateMunicipalityIds[0]!;
      if (!municipalityId) throw notRoutable('The location is outside the municipalities of this region');
    } else if (input.candidateMunicipalityIds.length === 1) {
      municipalityId = input.candidateMunicipalityIds[0]!;
    } else {
      throw notRoutable(
        'Please mark the location on the map or give coordinates, or choose the municipality',
      );
    }
    if (!input.address && (input.latitude === null || input.longitude === null))
      throw Errors.validation('A report needs a location: coordinates or an address');
    const category = await this.repository().category(municipalityId, input.categoryCode);
    if (!category) throw notRoutable('This category is not handled by the responsible municipality');

    const token = newToken();
    const report = await this.db.transaction().execute(async (trx) => {
      const created = await this.repository(trx).insert({
        municipalityId,
        categoryId: category.id,
        teamId: category.team_id,
        trackingTokenHash: sha256(token),
        description: input.description,
        latitude: input.latitude,
        longitude: input.longitude,
        address: input.address,
        attributes: input.attributes ?? {},
        mediaUrl: input.mediaUrl ?? null,
        reporterName: input.reporterName ?? null,
        reporterEmail: input.reporterEmail?.toLowerCase() ?? null,
        reporterPhone: input.reporterPhone ?? null,
        reporterUserId: input.reporterUserId ?? null,
        channel: input.channel,
      });
      await this.audit.record(
        actor,
        {
          action: 'report.created',
          targetType: 'report',
          targetId: created.id,
          municipalityId,
          details: { category: category.code, channel: input.channel },
        },
        trx,
      );
      if (created.reporter_email) {
        await this.notifications.sendEmail(
          reportMail(
            'received',
            { number: created.number, category: category.name, link: this.trackingUrl(token) },
            created.reporter_email,
          ),
          { municipalityId, executor: trx },
        );
      }
      return created;
    });
    return { report: (await this.repository().find([municipalityId], report.id))!, token };
  }

  async byToken(token: string): Promise<ReportRow> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw Errors.notFound('Report');
    const report = await this.repository().findByTokenHash(sha256(token));
    if (!report) throw Errors.notFound('Report');
    return report;
  }

  /** Adds a citizen's photo: type from the bytes, size checked, metadata (EXIF, GPS) removed. */
  async addPhoto(report: Report, bytes: Buffer | CleanPhoto, actor: AuditActor): Promise<ReportPhoto> {
    if (report.status === 'closed') throw Errors.conflict('The report is closed');
    const photo = Buffer.isBuffer(bytes) ? await this.cleanPhoto(bytes) : bytes;
    if ((await this.repository().countPhotos(report.id)) >= MAX_PHOTOS_PER_REPORT)
      throw Errors.validation(`A report may have at most ${MAX_PHOTOS_PER_REPORT} photos`);
    const key = `m/${report.municipality_id}/participation/reports/${report.id}/${crypto.randomUUID()}`;
    const stored = await this.files.put(key, Readable.from([photo.bytes]), {
      contentType: photo.contentType,
      size: photo.bytes.length,
    });
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).addPhoto({
        reportId: report.id,
        municipalityId: report.municipality_id,
        fileKey: key,
        contentType: photo.contentType,
        size: stored.size,
      });
      await this.audit.record(
        actor,
        {
          action: 'report.photo_added',
          targetType: 'report',
          targetId: report.id,
          municipalityId: report.municipality_id,
        },
        trx,
      );
      return row;
    });
  }

  /** Checks and re-encodes a photo before anything is stored (Open311 checks it before the report). */
  cleanPhoto(bytes: Buffer): Promise<CleanPhoto> {
    return cleanPhoto(bytes, this.config.PARTICIPATION_PHOTO_MAX_MB * 1024 * 1024);
  }

  // --- reading

  list(query: ReportQuery) {
    return this.repository().list(query);
  }

  async get(municipalityIds: string[] | 'all', id: string): Promise<ReportRow> {
    const report = await this.repository().find(municipalityIds, id);
    if (!report) throw Errors.notFound('Report');
    return report;
  }

  photos(report: Report, onlyApproved: boolean) {
    return this.repository().photos(report.municipality_id, [report.id], onlyApproved);
  }

  approvedPhotos(reportIds: string[]) {
    return this.repository().approvedPhotos(reportIds);
  }

  async photoFile(photoId: string, mayView: (photo: ReportPhoto) => boolean) {
    const photo = await this.repository().photo(photoId);
    if (!photo || !mayView(photo)) throw Errors.notFound('Photo');
    return { photo, file: await this.files.get(photo.file_key) };
  }

  comments(report: Report, onlyPublic: boolean) {
    return this.repository().comments(report.municipality_id, report.id, onlyPublic);
  }

  // --- staff

  async change(report: ReportRow, change: StaffChange, actor: AuditActor): Promise<ReportRow> {
    const values: Parameters<ReportsRepository['update']>[2] = {};
    if (change.categoryCode && change.categoryCode !== report.category_code) {
      const category = await this.repository().category(report.municipality_id, change.categoryCode);
      if (!category) throw Errors.validation('Unknown category');
      values.category_id = category.id;
      values.team_id = category.team_id;
    }
    if (change.status && change.status !== report.status) {
      values.status = change.status;
      values.closed_at = change.status === 'closed' ? new Date() : null;
    }
    if (change.statusNote !== undefined) values.status_note = change.statusNote;
    if (Object.keys(values).length === 0) return report;
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).update(report.municipality_id, report.id, values);
      await this.audit.record(
        actor,
        {
          action: 'report.changed',
          targetType: 'report',
          targetId: report.id,
          municipalityId: report.municipality_id,
          details: { status: values.status, category: change.categoryCode },
        },
        trx,
      );
      if (values.status && report.reporter_email)
        await this.tellReporter(report, 'status', values.status, change.statusNote ?? null, trx);
    });
    return this.get([report.municipality_id], report.id);
  }

  async comment(report: ReportRow, visibility: 'public' | 'internal', body: string, actor: AuditActor) {
    return this.db.transaction().execute(async (trx) => {
      const comment = await this.repository(trx).addComment({
        reportId: report.id,
        municipalityId: report.municipality_id,
        authorId: actor.userId,
        visibility,
        body,
      });
      await this.audit.record(
        actor,
        {
          action: 'report.commented',
          targetType: 'report',
          targetId: report.id,
          municipalityId: report.municipality_id,
          details: { visibility },
        },
        trx,
      );
      if (visibility === 'public' && report.reporter_email)
        await this.tellReporter(report, 'comment', report.status, body, trx);
      return comment;
    });
  }

  /** Closes a duplicate and points it at the original; its reporter is told where to follow up. */
  async merge(duplicate: ReportRow, original: ReportRow, actor: AuditActor): Promise<ReportRow> {
    if (duplicate.id === original.id) throw Errors.validation('A report cannot be merged into itself');
    if (duplicate.municipality_id !== original.municipality_id)
      throw Errors.validation('Only reports of the same municipality can be merged');
    if (original.duplicate_of) throw Errors.validation('The target is a duplicate itself');
    const note = `Duplikat von Meldung #${original.number}`;
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).update(duplicate.municipality_id, duplicate.id, {
        duplicate_of: original.id,
        status: 'closed',
        status_note: note,
        closed_at: new Date(),
      });
      await this.audit.record(
        actor,
        {
          action: 'report.merged',
          targetType: 'report',
          targetId: duplicate.id,
          municipalityId: duplicate.municipality_id,
          details: { into: original.id },
        },
        trx,
      );
      if (duplicate.reporter_email) await this.tellReporter(duplicate, 'status', 'closed', note, trx);
    });
    return this.get([duplicate.municipality_id], duplicate.id);
  }

  async setPhotoApproval(report: Report, photoId: string, approved: boolean, actor: AuditActor) {
    return this.db.transaction().execute(async (trx) => {
      const photo = await this.repository(trx).setPhotoApproval(report.municipality_id, photoId, approved);
      if (!photo || photo.report_id !== report.id) throw Errors.notFound('Photo');
      await this.audit.record(
        actor,
        {
          action: approved ? 'report.photo_approved' : 'report.photo_withdrawn',
          targetType: 'report',
          targetId: report.id,
          municipalityId: report.municipality_id,
          details: { photoId },
        },
        trx,
      );
      return photo;
    });
  }

  /** Puts the report into the work inbox of its team (the building yard), with a link back. */
  async createTask(
    report: ReportRow,
    options: { priority?: Task['priority']; teamId?: string | null },
    actor: AuditActor,
  ): Promise<Task> {
    if (report.status === 'closed') throw Errors.conflict('The report is closed');
    const { task, created } = await this.db.transaction().execute(async (trx) => {
      const result = await this.work.createTask(
        {
          municipalityId: report.municipality_id,
          teamId: options.teamId !== undefined ? options.teamId : report.team_id,
          sourceType: REPORT_SOURCE,
          sourceId: report.id,
          title: `${report.category_name}: Meldung #${report.number}`,
          description: [report.description, report.address ? `Ort: ${report.address}` : '']
            .filter(Boolean)
            .join('\n\n'),
          priority: options.priority ?? 'normal',
          latitude: report.latitude,
          longitude: report.longitude,
          locationLabel: report.address,
        },
        actor,
        trx,
      );
      await this.repository(trx).update(report.municipality_id, report.id, {
        task_id: result.task.id,
        status: 'in_progress',
        closed_at: null,
      });
      await this.audit.record(
        actor,
        {
          action: 'report.task_created',
          targetType: 'report',
          targetId: report.id,
          municipalityId: report.municipality_id,
          details: { taskId: result.task.id },
        },
        trx,
      );
      if (report.status !== 'in_progress' && report.reporter_email)
        await this.tellReporter(report, 'status', 'in_progress', null, trx);
      return result;
    });
    if (created) this.work.events.emit('created', task);
    return task;
  }

  private async closeFromTask(task: Task): Promise<void> {
    if (task.source_type !== REPORT_SOURCE) return;
    const report = await this.repository().find([task.municipality_id], task.source_id);
    if (!report || report.status === 'closed') return;
    await this.change(
      report,
      { status: 'closed', statusNote: task.completion_note ?? 'Erledigt' },
      systemActor('work inbox'),
    );
  }

  private async tellReporter(
    report: Report & { category_name: string },
    kind: 'status' | 'comment',
    status: ReportStatus,
    text: string | null,
    trx: Database,
  ): Promise<void> {
    // The token is stored only hashed, so updates point to the public report page by number instead.
    const link = `${this.config.PUBLIC_URL}/mitmachen/meldungen?nummer=${report.number}`;
    await this.notifications.sendEmail(
      reportMail(
        kind,
        { number: report.number, category: report.category_name, link, status, text },
        report.reporter_email!,
      ),
      { municipalityId: report.municipality_id, executor: trx },
    );
  }
}
