// The only SQL of reports: categories, boundaries, reports, their photos and comments. Every read of
// tenant data names the municipality (or the municipalities a reader may see).
import { sql } from 'kysely';
import type { Database } from '../core/db/database.js';
import type { Report, ReportCategory, ReportComment, ReportPhoto, ReportStatus } from '../core/db/schema.js';

export interface NewReport {
  municipalityId: string;
  categoryId: string;
  teamId: string | null;
  trackingTokenHash: string;
  description: string;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  attributes: Record<string, unknown>;
  mediaUrl: string | null;
  reporterName: string | null;
  reporterEmail: string | null;
  reporterPhone: string | null;
  reporterUserId: string | null;
  channel: 'web' | 'open311';
}

export interface ReportQuery {
  /** The municipalities whose reports may be listed ('all' for platform admins). */
  municipalityIds: string[] | 'all';
  municipalityId?: string | undefined;
  regionId?: string | undefined;
  statuses?: ReportStatus[] | undefined;
  categoryCode?: string | undefined;
  numbers?: number[] | undefined;
  from?: Date | undefined;
  until?: Date | undefined;
  includeDuplicates?: boolean;
  limit: number;
  offset?: number;
}

export type ReportRow = Report & {
  category_code: string;
  category_name: string;
  municipality_name: string;
  municipality_slug: string;
};

export class ReportsRepository {
  constructor(private readonly db: Database) {}

  // --- categories and routing

  categories(municipalityId: string, onlyActive = true): Promise<ReportCategory[]> {
    let query = this.db
      .selectFrom('report_categories')
      .selectAll()
      .where('municipality_id', '=', municipalityId);
    if (onlyActive) query = query.where('active', '=', true);
    return query.orderBy('name').execute();
  }

  /** Categories of several municipalities (a region's), for the citizen's choice and Open311. */
  categoriesOf(municipalityIds: string[]): Promise<ReportCategory[]> {
    if (municipalityIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('report_categories')
      .selectAll()
      .where('municipality_id', 'in', municipalityIds)
      .where('active', '=', true)
      .orderBy('name')
      .execute();
  }

  category(municipalityId: string, code: string): Promise<ReportCategory | undefined> {
    return this.db
      .selectFrom('report_categories')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('code', '=', code)
      .where('active', '=', true)
      .executeTakeFirst();
  }

  categoryById(municipalityId: string, id: string): Promise<ReportCategory | undefined> {
    return this.db
      .selectFrom('report_categories')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  upsertCategory(values: {
    municipalityId: string;
    code: string;
    name: string;
    description: string;
    keywords: string[];
    teamId: string | null;
    attributes: unknown[];
    active: boolean;
  }): Promise<ReportCategory> {
    const row = {
      municipality_id: values.municipalityId,
      code: values.code,
      name: values.name,
      description: values.description,
      keywords: values.keywords,
      team_id: values.teamId,
      attributes: JSON.stringify(values.attributes),
      active: values.active,
    };
    return this.db
      .insertInto('report_categories')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['municipality_id', 'code']).doUpdateSet({
          name: row.name,
          description: row.description,
          keywords: row.keywords,
          team_id: row.team_id,
          attributes: row.attributes,
          active: row.active,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async setBoundary(
    municipalityId: string,
    geometry: unknown,
    box: { minLat: number; minLon: number; maxLat: number; maxLon: number },
  ) {
    const values = {
      municipality_id: municipalityId,
      geometry: JSON.stringify(geometry),
      min_lat: box.minLat,
      min_lon: box.minLon,
      max_lat: box.maxLat,
      max_lon: box.maxLon,
    };
    await this.db
      .insertInto('participation_boundaries')
      .values(values)
      .onConflict((oc) => oc.column('municipality_id').doUpdateSet({ ...values, updated_at: new Date() }))
      .execute();
  }

  /** Boundaries whose bounding box holds the point, among the given municipalities. */
  boundaryCandidates(municipalityIds: string[], latitude: number, longitude: number) {
    if (municipalityIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('participation_boundaries')
      .select(['municipality_id', 'geometry'])
      .where('municipality_id', 'in', municipalityIds)
      .where('min_lat', '<=', latitude)
      .where('max_lat', '>=', latitude)
      .where('min_lon', '<=', longitude)
      .where('max_lon', '>=', longitude)
      .execute();
  }

  boundaries(municipalityIds: string[]) {
    if (municipalityIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('participation_boundaries')
      .select(['municipality_id', 'geometry'])
      .where('municipality_id', 'in', municipalityIds)
      .execute();
  }

  // --- reports

  insert(report: NewReport): Promise<Report> {
    return this.db
      .insertInto('reports')
      .values({
        municipality_id: report.municipalityId,
        category_id: report.categoryId,
        team_id: report.teamId,
        tracking_token_hash: report.trackingTokenHash,
        description: report.description,
        latitude: report.latitude,
        longitude: report.longitude,
        address: report.address,
        attributes: JSON.stringify(report.attributes),
        media_url: report.mediaUrl,
        reporter_name: report.reporterName,
        reporter_email: report.reporterEmail,
        reporter_phone: report.reporterPhone,
        reporter_user_id: report.reporterUserId,
        channel: report.channel,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private rows() {
    return this.db
      .selectFrom('reports')
      .innerJoin('report_categories', 'report_categories.id', 'reports.category_id')
      .innerJoin('municipalities', 'municipalities.id', 'reports.municipality_id')
      .selectAll('reports')
      .select([
        'report_categories.code as category_code',
        'report_categories.name as category_name',
        'municipalities.name as municipality_name',
        'municipalities.slug as municipality_slug',
      ]);
  }

  find(municipalityIds: string[] | 'all', id: string): Promise<ReportRow | undefined> {
    let query = this.rows().where('reports.id', '=', id);
    if (municipalityIds !== 'all') {
      if (municipalityIds.length === 0) return Promise.resolve(undefined);
      query = query.where('reports.municipality_id', 'in', municipalityIds);
    }
    return query.executeTakeFirst();
  }

  findByTokenHash(tokenHash: string): Promise<ReportRow | undefined> {
    return this.rows().where('reports.tracking_token_hash', '=', tokenHash).executeTakeFirst();
  }

  list(q: ReportQuery): Promise<ReportRow[]> {
    let query = this.rows();
    if (q.municipalityIds !== 'all') {
      if (q.municipalityIds.length === 0) return Promise.resolve([]);
      query = query.where('reports.municipality_id', 'in', q.municipalityIds);
    }
    if (q.municipalityId) query = query.where('reports.municipality_id', '=', q.municipalityId);
    if (q.regionId) query = query.where('municipalities.region_id', '=', q.regionId);
    if (q.statuses?.length) query = query.where('reports.status', 'in', q.statuses);
    if (q.categoryCode) query = query.where('report_categories.code', '=', q.categoryCode);
    if (q.numbers) {
      if (q.numbers.length === 0) return Promise.resolve([]);
      query = query.where('reports.number', 'in', q.numbers);
    }
    if (q.from) query = query.where('reports.created_at', '>=', q.from);
    if (q.until) query = query.where('reports.created_at', '<=', q.until);
    if (!q.includeDuplicates) query = query.where('reports.duplicate_of', 'is', null);
    return query
      .orderBy('reports.created_at', 'desc')
      .orderBy('reports.id', 'desc')
      .limit(q.limit)
      .offset(q.offset ?? 0)
      .execute();
  }

  update(
    municipalityId: string,
    id: string,
    values: Partial<
      Pick<
        Report,
        'status' | 'status_note' | 'category_id' | 'team_id' | 'duplicate_of' | 'task_id' | 'closed_at'
      >
    >,
  ): Promise<Report | undefined> {
    return this.db
      .updateTable('reports')
      .set({ ...values, updated_at: new Date() })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  findByTask(taskId: string): Promise<Report | undefined> {
    return this.db.selectFrom('reports').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  }

  // --- photos

  addPhoto(values: {
    reportId: string;
    municipalityId: string;
    fileKey: string;
    contentType: string;
    size: number;
  }) {
    return this.db
      .insertInto('report_photos')
      .values({
        report_id: values.reportId,
        municipality_id: values.municipalityId,
        file_key: values.fileKey,
        content_type: values.contentType,
        size: values.size,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  photos(municipalityId: string, reportIds: string[], onlyApproved: boolean): Promise<ReportPhoto[]> {
    if (reportIds.length === 0) return Promise.resolve([]);
    let query = this.db
      .selectFrom('report_photos')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('report_id', 'in', reportIds);
    if (onlyApproved) query = query.where('approved', '=', true);
    return query.orderBy('created_at').execute();
  }

  /** Approved photos of any of the given reports (public lists span municipalities). */
  approvedPhotos(reportIds: string[]): Promise<ReportPhoto[]> {
    if (reportIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('report_photos')
      .selectAll()
      .where('report_id', 'in', reportIds)
      .where('approved', '=', true)
      .orderBy('created_at')
      .execute();
  }

  photo(id: string): Promise<ReportPhoto | undefined> {
    return this.db.selectFrom('report_photos').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async countPhotos(reportId: string): Promise<number> {
    const row = await this.db
      .selectFrom('report_photos')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  setPhotoApproval(municipalityId: string, photoId: string, approved: boolean) {
    return this.db
      .updateTable('report_photos')
      .set({ approved })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', photoId)
      .returningAll()
      .executeTakeFirst();
  }

  // --- comments

  addComment(values: {
    reportId: string;
    municipalityId: string;
    authorId: string | null;
    visibility: 'public' | 'internal';
    body: string;
  }) {
    return this.db
      .insertInto('report_comments')
      .values({
        report_id: values.reportId,
        municipality_id: values.municipalityId,
        author_id: values.authorId,
        visibility: values.visibility,
        body: values.body,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  comments(
    municipalityId: string,
    reportId: string,
    onlyPublic: boolean,
  ): Promise<(ReportComment & { author_name: string | null })[]> {
    let query = this.db
      .selectFrom('report_comments')
      .leftJoin('users', 'users.id', 'report_comments.author_id')
      .selectAll('report_comments')
      .select('users.display_name as author_name')
      .where('report_comments.municipality_id', '=', municipalityId)
      .where('report_comments.report_id', '=', reportId);
    if (onlyPublic) query = query.where('report_comments.visibility', '=', 'public');
    return query.orderBy('report_comments.created_at').execute();
  }
}
