// Back office: news and info pages. A rich-text editor (loaded only here) with a preview rendered by the
// server (the same sanitised HTML the public gets), images with alt text uploaded to the file storage,
// publication now or at a set time. Older Markdown posts open in the editor as their rendered HTML.
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { useSession } from '../../session.js';
import { LoadGate, PostBody, useLoad, type Post } from './shared.js';

interface StaffPost extends Post {
  slug: string;
  format: 'markdown' | 'html';
  markdown: string;
  status: 'draft' | 'published';
  publishAt: string | null;
  regionId: string;
}

type Role = NonNullable<Post['pageRole']>;
const ROLES: Role[] = ['accessibility', 'privacy', 'imprint', 'plain_language'];

export default function StaffNewsPage() {
  return (
    <Routes>
      <Route index element={<PostList />} />
      <Route path="neu" element={<Editor post={null} />} />
      <Route path=":postId" element={<EditExisting />} />
    </Routes>
  );
}

function PostList() {
  const { t } = useTranslation();
  const posts = useLoad<{ posts: StaffPost[] }>('/api/participation/posts');
  return (
    <Page heading={t('participation.staff.news')}>
      <p className="kern-body kern-body--large">{t('participation.staff.newsLead')}</p>
      <p>
        <Link className="kern-btn kern-btn--primary" to="/verwaltung/news/neu">
          <span className="kern-label">{t('participation.staff.newPost')}</span>
        </Link>
      </p>
      <LoadGate state={posts} />
      {posts.status === 'ready' && (
        <ul className="kern-list">
          {posts.data.posts.map((p) => (
            <li key={p.id} className="kern-body">
              <Link className="kern-link" to={`/verwaltung/news/${p.id}`}>
                {t('participation.staff.edit', { title: p.title })}
              </Link>{' '}
              ({p.kind === 'news' ? t('participation.staff.kindNews') : t('participation.staff.kindPage')},{' '}
              {p.status === 'draft'
                ? t('participation.staff.draft')
                : p.publishAt && new Date(p.publishAt) > new Date()
                  ? t('participation.staff.scheduled')
                  : t('participation.staff.published')}
              , {p.municipalityName ?? t('participation.staff.wholeRegion')})
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

function EditExisting() {
  const { postId = '' } = useParams();
  const post = useLoad<StaffPost>(`/api/participation/posts/${postId}`);
  if (post.status !== 'ready') return <LoadGate state={post} />;
  return <Editor post={post.data} />;
}

const RichTextEditor = lazy(() => import('./RichTextEditor.js'));

const toLocalInput = (iso: string | null) => (iso ? new Date(iso).toISOString().slice(0, 16) : '');

function Editor({ post }: { post: StaffPost | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { session } = useSession();
  const municipalities = new Map<string, string>();
  for (const role of session.roles)
    if (role.municipality) municipalities.set(role.municipality.id, role.municipality.name);
  const [kind, setKind] = useState<'news' | 'page'>(post?.kind ?? 'news');
  const [municipalityId, setMunicipalityId] = useState<string>(
    post?.municipalityId ?? [...municipalities.keys()][0] ?? '',
  );
  const [title, setTitle] = useState(post?.title ?? '');
  const [summary, setSummary] = useState(post?.summary ?? '');
  const [html, setHtml] = useState(post?.html ?? '');
  const [fields, setFields] = useState(post?.fieldsOfAction.join(', ') ?? '');
  const [pageRole, setPageRole] = useState<Role | ''>(post?.pageRole ?? '');
  const [status, setStatus] = useState<'draft' | 'published'>(post?.status ?? 'draft');
  const [publishAt, setPublishAt] = useState(toLocalInput(post?.publishAt ?? null));
  const [preview, setPreview] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const fail = (error: unknown) =>
    setMessage({ ok: false, text: error instanceof ApiError ? error.message : t('errors.generic') });

  async function save(event: FormEvent) {
    event.preventDefault();
    const values = {
      title: title.trim(),
      summary: summary.trim(),
      html,
      fieldsOfAction: fields
        .split(',')
        .map((f) => f.trim().toLowerCase())
        .filter(Boolean),
      status,
      publishAt: publishAt ? new Date(publishAt).toISOString() : null,
      pageRole: kind === 'page' && pageRole ? pageRole : null,
    };
    try {
      if (post) {
        await api.patch(`/api/participation/posts/${post.id}`, values);
        setMessage({ ok: true, text: t('participation.staff.saved') });
      } else {
        const created = await api.post<StaffPost>('/api/participation/posts', {
          ...values,
          kind,
          municipalityId: municipalityId || null,
        });
        void navigate(`/verwaltung/news/${created.id}`);
      }
    } catch (error) {
      fail(error);
    }
  }

  async function uploadImage(file: File, alt: string): Promise<string | null> {
    const target = new URLSearchParams(
      municipalityId ? { municipalityId, alt } : { regionId: post?.regionId ?? '', alt },
    );
    const response = await fetch(`/api/participation/images?${target.toString()}`, {
      method: 'POST',
      headers: {
        'content-type': file.type || 'application/octet-stream',
        'x-csrf-token': session.csrfToken ?? '',
      },
      body: file,
    });
    if (!response.ok) {
      fail(new ApiError(response.status, 'upload', file.name));
      return null;
    }
    return ((await response.json()) as { url: string }).url;
  }

  return (
    <Page
      heading={post ? t('participation.staff.edit', { title: post.title }) : t('participation.staff.newPost')}
    >
      {message && (
        <Alert
          variant={message.ok ? 'success' : 'danger'}
          role={message.ok ? 'status' : 'alert'}
          title={message.text}
        />
      )}
      <form className="kern-stack-md srp-form" onSubmit={(e) => void save(e)}>
        {!post && (
          <>
            <div className="kern-form-input">
              <label className="kern-label" htmlFor="post-kind">
                {t('participation.staff.kind')}
              </label>
              <div className="kern-form-input__select-wrapper">
                <select
                  id="post-kind"
                  className="kern-form-input__select"
                  value={kind}
                  onChange={(e) => setKind(e.target.value as 'news' | 'page')}
                >
                  <option value="news">{t('participation.staff.kindNews')}</option>
                  <option value="page">{t('participation.staff.kindPage')}</option>
                </select>
              </div>
            </div>
            <div className="kern-form-input">
              <label className="kern-label" htmlFor="post-scope">
                {t('participation.staff.scope')}
              </label>
              <div className="kern-form-input__select-wrapper">
                <select
                  id="post-scope"
                  className="kern-form-input__select"
                  value={municipalityId}
                  onChange={(e) => setMunicipalityId(e.target.value)}
                >
                  {[...municipalities.entries()].map(([id, name]) => (
                    <option key={id} value={id}>
                      {name}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          </>
        )}
        {kind === 'page' && (
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="post-role">
              {t('participation.staff.pageRole')}
            </label>
            <div className="kern-form-input__select-wrapper">
              <select
                id="post-role"
                className="kern-form-input__select"
                value={pageRole}
                onChange={(e) => setPageRole(e.target.value as Role | '')}
              >
                <option value="">{t('participation.staff.pageRoleNone')}</option>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`participation.staff.role.${r}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        <TextField
          id="post-title"
          label={t('participation.staff.postTitle')}
          value={title}
          required
          minLength={2}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
        />
        <TextField
          id="post-summary"
          label={t('participation.staff.summary')}
          value={summary}
          maxLength={1000}
          onChange={(e) => setSummary(e.target.value)}
        />
        <Suspense fallback={<Loading />}>
          <RichTextEditor
            id="post-body"
            label={t('participation.staff.body')}
            initialHtml={post?.html ?? ''}
            onChange={setHtml}
            uploadImage={uploadImage}
          />
        </Suspense>
        <TextField
          id="post-fields"
          label={t('participation.staff.fields')}
          value={fields}
          onChange={(e) => setFields(e.target.value)}
        />
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="post-status">
            {t('participation.staff.publishState')}
          </label>
          <div className="kern-form-input__select-wrapper">
            <select
              id="post-status"
              className="kern-form-input__select"
              value={status}
              onChange={(e) => setStatus(e.target.value as 'draft' | 'published')}
            >
              <option value="draft">{t('participation.staff.draft')}</option>
              <option value="published">{t('participation.staff.published')}</option>
            </select>
          </div>
        </div>
        <TextField
          id="post-publish-at"
          type="datetime-local"
          label={t('participation.staff.publishAt')}
          value={publishAt}
          onChange={(e) => setPublishAt(e.target.value)}
        />
        <div className="srp-actions">
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() =>
              void api
                .post<{ html: string }>('/api/participation/preview', { html })
                .then((r) => setPreview(r.html), fail)
            }
          >
            <span className="kern-label">{t('participation.staff.preview')}</span>
          </button>
          <button type="submit" className="kern-btn kern-btn--primary">
            <span className="kern-label">{t('participation.staff.save')}</span>
          </button>
        </div>
      </form>
      {preview !== null && (
        <section aria-labelledby="post-preview" className="kern-stack-sm srp-preview">
          <h2 id="post-preview" className="kern-heading-medium">
            {t('participation.staff.preview')}
          </h2>
          <PostBody html={preview} />
        </section>
      )}
    </Page>
  );
}
