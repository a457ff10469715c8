// News and info pages: editor HTML (or, for older posts, Markdown) in, sanitised HTML out; scheduled by a publication time that the public
// reader filters on (no job needed: a post appears when its time has come). Images go to ctx.files.
import { Readable } from 'node:stream';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { ParticipationPost } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import type { FileStorage } from '../core/files/index.js';
import { renderMarkdown, sanitizeEditorHtml } from './markdown.js';
import { cleanPhoto } from './photos.js';
import { PostsRepository, type PostValues, type PublicPostQuery } from './posts.repository.js';

/** What staff wrote: HTML from the rich-text editor, or Markdown (the format before the editor). */
export type PostSource = { format: 'html'; html: string } | { format: 'markdown'; markdown: string };

export type PostInput = Omit<PostValues, 'bodyHtml' | 'bodyMarkdown' | 'bodyFormat'> & { body: PostSource };

/** The stored columns of a body; editor HTML must not lose an image silently, so a bad one is an error. */
export function renderBody(source: PostSource): Pick<PostValues, 'bodyFormat' | 'bodyMarkdown' | 'bodyHtml'> {
  if (source.format === 'markdown')
    return {
      bodyFormat: 'markdown',
      bodyMarkdown: source.markdown,
      bodyHtml: renderMarkdown(source.markdown),
    };
  const { html, rejectedImages } = sanitizeEditorHtml(source.html);
  const rejected = rejectedImages[0];
  if (rejected)
    throw Errors.validation(
      rejected.reason === 'no_alt'
        ? 'Every image needs an alternative text'
        : 'Images must be uploaded to the platform first',
    );
  return { bodyFormat: 'html', bodyMarkdown: '', bodyHtml: html };
}

export class PostService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly files: FileStorage,
    private readonly maxImageBytes: number,
  ) {}

  private repository(executor: Database = this.db) {
    return new PostsRepository(executor);
  }

  async create(input: PostInput, actor: AuditActor): Promise<ParticipationPost> {
    if (input.kind === 'news' && input.pageRole) throw Errors.validation('Only pages have a role');
    const { body, ...values } = input;
    const rendered = renderBody(body);
    return this.db.transaction().execute(async (trx) => {
      const post = await this.repository(trx).insert({ ...values, ...rendered }, actor.userId);
      await this.audit.record(
        actor,
        {
          action: 'post.created',
          targetType: 'post',
          targetId: post.id,
          municipalityId: post.municipality_id,
          details: { kind: post.kind },
        },
        trx,
      );
      return post;
    });
  }

  async update(
    post: ParticipationPost,
    patch: Partial<PostInput>,
    actor: AuditActor,
  ): Promise<ParticipationPost> {
    const { body, ...values } = patch;
    const rendered = body ? renderBody(body) : {};
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).update(post.region_id, post.id, { ...values, ...rendered });
      if (!updated) throw Errors.notFound('Post');
      await this.audit.record(
        actor,
        {
          action: 'post.updated',
          targetType: 'post',
          targetId: post.id,
          municipalityId: post.municipality_id,
        },
        trx,
      );
      return updated;
    });
  }

  async remove(post: ParticipationPost, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).delete(post.region_id, post.id);
      await this.audit.record(
        actor,
        {
          action: 'post.deleted',
          targetType: 'post',
          targetId: post.id,
          municipalityId: post.municipality_id,
        },
        trx,
      );
    });
  }

  async get(id: string) {
    const post = await this.repository().find(id);
    if (!post) throw Errors.notFound('Post');
    return post;
  }

  /** A post the public may read: published and due; anything else is simply not found. */
  async getPublic(id: string) {
    const post = await this.repository().find(id);
    if (!post || post.status !== 'published' || (post.publish_at && post.publish_at > new Date()))
      throw Errors.notFound('Post');
    return post;
  }

  listPublic(query: PublicPostQuery) {
    return this.repository().listPublic(query);
  }

  listForStaff(...args: Parameters<PostsRepository['listForStaff']>) {
    return this.repository().listForStaff(...args);
  }

  preview(source: PostSource): string {
    return renderBody(source).bodyHtml;
  }

  /** Stores an image for posts (JPEG or PNG, metadata removed like citizens' photos) with its alt text. */
  async addImage(
    regionId: string,
    municipalityId: string | null,
    bytes: Buffer,
    alt: string,
    actor: AuditActor,
  ) {
    if (!alt.trim()) throw Errors.validation('An image needs an alternative text');
    const image = await cleanPhoto(bytes, this.maxImageBytes);
    const key = `${municipalityId ? `m/${municipalityId}` : `p/regions/${regionId}`}/participation/images/${crypto.randomUUID()}`;
    const stored = await this.files.put(key, Readable.from([image.bytes]), {
      contentType: image.contentType,
      size: image.bytes.length,
    });
    return this.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).insertImage({
        regionId,
        municipalityId,
        fileKey: key,
        contentType: image.contentType,
        size: stored.size,
        alt: alt.trim(),
        createdBy: actor.userId,
      });
      await this.audit.record(
        actor,
        { action: 'post.image_added', targetType: 'post_image', targetId: row.id, municipalityId },
        trx,
      );
      return row;
    });
  }

  async imageFile(id: string) {
    const image = await this.repository().image(id);
    if (!image) throw Errors.notFound('Image');
    return { image, file: await this.files.get(image.file_key) };
  }
}
