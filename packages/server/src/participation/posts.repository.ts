// The only SQL of news and info pages. A post belongs to a region and, unless it is region-wide, to one
// municipality; public readers see published posts whose publication time has come.
import { sql } from 'kysely';
import type { Database } from '../core/db/database.js';
import type { PageRole, ParticipationPost, PostKind } from '../core/db/schema.js';

export interface PostValues {
  regionId: string;
  municipalityId: string | null;
  kind: PostKind;
  pageRole: PageRole | null;
  slug: string;
  title: string;
  summary: string;
  bodyFormat: 'markdown' | 'html';
  bodyMarkdown: string;
  bodyHtml: string;
  fieldsOfAction: string[];
  status: 'draft' | 'published';
  publishAt: Date | null;
}

export type PostRow = ParticipationPost & { municipality_name: string | null };

export interface PublicPostQuery {
  kind: PostKind;
  regionId?: string | undefined;
  /** Posts of this municipality and the region-wide posts of its region. */
  municipalityId?: string | undefined;
  fieldOfAction?: string | undefined;
  pageRole?: PageRole | undefined;
  limit: number;
  offset?: number;
}

export class PostsRepository {
  constructor(private readonly db: Database) {}

  private rows() {
    return this.db
      .selectFrom('participation_posts')
      .leftJoin('municipalities', 'municipalities.id', 'participation_posts.municipality_id')
      .selectAll('participation_posts')
      .select('municipalities.name as municipality_name');
  }

  insert(values: PostValues, authorId: string | null): Promise<ParticipationPost> {
    return this.db
      .insertInto('participation_posts')
      .values({
        region_id: values.regionId,
        municipality_id: values.municipalityId,
        kind: values.kind,
        page_role: values.pageRole,
        slug: values.slug,
        title: values.title,
        summary: values.summary,
        body_markdown: values.bodyMarkdown,
        body_html: values.bodyHtml,
        body_format: values.bodyFormat,
        fields_of_action: values.fieldsOfAction,
        status: values.status,
        publish_at: values.publishAt,
        author_id: authorId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  update(regionId: string, id: string, values: Partial<PostValues>): Promise<ParticipationPost | undefined> {
    return this.db
      .updateTable('participation_posts')
      .set({
        ...(values.slug !== undefined ? { slug: values.slug } : {}),
        ...(values.title !== undefined ? { title: values.title } : {}),
        ...(values.summary !== undefined ? { summary: values.summary } : {}),
        ...(values.bodyMarkdown !== undefined ? { body_markdown: values.bodyMarkdown } : {}),
        ...(values.bodyHtml !== undefined ? { body_html: values.bodyHtml } : {}),
        ...(values.bodyFormat !== undefined ? { body_format: values.bodyFormat } : {}),
        ...(values.fieldsOfAction !== undefined ? { fields_of_action: values.fieldsOfAction } : {}),
        ...(values.status !== undefined ? { status: values.status } : {}),
        ...(values.publishAt !== undefined ? { publish_at: values.publishAt } : {}),
        ...(values.pageRole !== undefined ? { page_role: values.pageRole } : {}),
        updated_at: new Date(),
      })
      .where('region_id', '=', regionId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  delete(regionId: string, id: string) {
    return this.db
      .deleteFrom('participation_posts')
      .where('region_id', '=', regionId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  find(id: string): Promise<PostRow | undefined> {
    return this.rows().where('participation_posts.id', '=', id).executeTakeFirst();
  }

  /** Everything staff may edit: posts of their municipalities and, for region editors, region-wide ones. */
  listForStaff(
    municipalityIds: string[] | 'all',
    regionIds: string[] | 'all',
    kind?: PostKind,
  ): Promise<PostRow[]> {
    let query = this.rows();
    if (kind) query = query.where('participation_posts.kind', '=', kind);
    if (municipalityIds !== 'all' || regionIds !== 'all') {
      query = query.where((eb) =>
        eb.or([
          municipalityIds === 'all'
            ? eb.val(true)
            : municipalityIds.length
              ? eb('participation_posts.municipality_id', 'in', municipalityIds)
              : eb.val(false),
          regionIds === 'all'
            ? eb('participation_posts.municipality_id', 'is', null)
            : regionIds.length
              ? eb.and([
                  eb('participation_posts.municipality_id', 'is', null),
                  eb('participation_posts.region_id', 'in', regionIds),
                ])
              : eb.val(false),
        ]),
      );
    }
    return query.orderBy('participation_posts.updated_at', 'desc').limit(500).execute();
  }

  /** Published posts whose time has come; the only reader the public has. */
  listPublic(q: PublicPostQuery): Promise<PostRow[]> {
    let query = this.rows()
      .where('participation_posts.kind', '=', q.kind)
      .where('participation_posts.status', '=', 'published')
      .where((eb) =>
        eb.or([
          eb('participation_posts.publish_at', 'is', null),
          eb('participation_posts.publish_at', '<=', sql<Date>`now()`),
        ]),
      );
    if (q.regionId) query = query.where('participation_posts.region_id', '=', q.regionId);
    if (q.municipalityId) {
      const municipalityId = q.municipalityId;
      query = query.where((eb) =>
        eb.or([
          eb('participation_posts.municipality_id', '=', municipalityId),
          eb.and([
            eb('participation_posts.municipality_id', 'is', null),
            eb(
              'participation_posts.region_id',
              '=',
              eb.selectFrom('municipalities').select('region_id').where('id', '=', municipalityId),
            ),
          ]),
        ]),
      );
    }
    if (q.fieldOfAction)
      query = query.where(sql<boolean>`${q.fieldOfAction} = any(participation_posts.fields_of_action)`);
    if (q.pageRole) query = query.where('participation_posts.page_role', '=', q.pageRole);
    return query
      .orderBy(sql`coalesce(participation_posts.publish_at, participation_posts.created_at)`, 'desc')
      .orderBy('participation_posts.id', 'desc')
      .limit(q.limit)
      .offset(q.offset ?? 0)
      .execute();
  }

  insertImage(values: {
    regionId: string;
    municipalityId: string | null;
    fileKey: string;
    contentType: string;
    size: number;
    alt: string;
    createdBy: string | null;
  }) {
    return this.db
      .insertInto('participation_images')
      .values({
        region_id: values.regionId,
        municipality_id: values.municipalityId,
        file_key: values.fileKey,
        content_type: values.contentType,
        size: values.size,
        alt: values.alt,
        created_by: values.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  image(id: string) {
    return this.db.selectFrom('participation_images').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
