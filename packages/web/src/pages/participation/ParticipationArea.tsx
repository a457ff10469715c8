// Public participation pages under /mitmachen: news, reporting and following problems, ideas.
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { useRegions } from '../../regions.js';
import NotFoundPage from '../NotFoundPage.js';
import ReportForm from './ReportForm.js';
import {
  formatDate,
  LoadGate,
  PostBody,
  StatusBadge,
  useLoad,
  type Post,
  type PublicReport,
  Honeypot,
} from './shared.js';

const ReportMap = lazy(() => import('./ReportMap.js'));

export default function ParticipationArea() {
  return (
    <Routes>
      <Route index element={<Landing />} />
      <Route path="news" element={<NewsList />} />
      <Route path="news/:postId" element={<PostPage />} />
      <Route path="seiten/:postId" element={<PostPage />} />
      <Route path="melden" element={<ReportForm />} />
      <Route path="meldungen" element={<ReportsPage />} />
      <Route path="meldungen/verfolgen/:token" element={<TrackingPage />} />
      <Route path="ideen" element={<IdeasPage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}

function Landing() {
  const { t } = useTranslation();
  const links = [
    ['/mitmachen/melden', t('participation.nav.report')],
    ['/mitmachen/meldungen', t('participation.nav.reports')],
    ['/mitmachen/news', t('participation.nav.news')],
    ['/mitmachen/ideen', t('participation.nav.ideas')],
    ['/leichte-sprache', t('participation.nav.plainLanguage')],
  ] as const;
  return (
    <Page heading={t('participation.nav.title')}>
      <p className="kern-body kern-body--large">{t('participation.nav.lead')}</p>
      <ul className="kern-list srp-link-cards">
        {links.map(([to, label]) => (
          <li key={to}>
            <Link className="kern-link" to={to}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
      <NewsItems limit={3} />
    </Page>
  );
}

function NewsItems({ limit }: { limit: number }) {
  const { t, i18n } = useTranslation();
  const news = useLoad<{ posts: Post[] }>(`/api/public/news?limit=${limit}`);
  return (
    <section aria-labelledby="news-heading" className="kern-stack-sm">
      <h2 id="news-heading" className="kern-heading-medium">
        {t('participation.news.title')}
      </h2>
      <LoadGate state={news} />
      {news.status === 'ready' &&
        (news.data.posts.length === 0 ? (
          <p className="kern-body">{t('participation.news.empty')}</p>
        ) : (
          <ul className="kern-list srp-news-list">
            {news.data.posts.map((post) => (
              <li key={post.id} className="kern-stack-xs">
                <h3 className="kern-heading-small">
                  <Link className="kern-link" to={`/mitmachen/news/${post.id}`}>
                    {post.title}
                  </Link>
                </h3>
                <p className="kern-body kern-body--small">
                  {t('participation.news.published', { date: formatDate(post.publishedAt, i18n.language) })} ·{' '}
                  {post.municipalityName ?? t('participation.news.regionWide')}
                </p>
                {post.summary && <p className="kern-body">{post.summary}</p>}
              </li>
            ))}
          </ul>
        ))}
      <p className="kern-body">
        {t('participation.nav.feeds')}:{' '}
        <a className="kern-link" href="/api/public/news/feed.rss">
          {t('participation.news.rss')}
        </a>
        ,{' '}
        <a className="kern-link" href="/api/public/news/feed.atom">
          {t('participation.news.atom')}
        </a>
      </p>
    </section>
  );
}

function NewsList() {
  const { t } = useTranslation();
  return (
    <Page heading={t('participation.news.title')}>
      <NewsItems limit={50} />
    </Page>
  );
}

function PostPage() {
  const { t, i18n } = useTranslation();
  const { postId = '' } = useParams();
  const post = useLoad<Post>(/^[0-9a-f-]{36}$/.test(postId) ? `/api/public/news/${postId}` : null);
  if (!/^[0-9a-f-]{36}$/.test(postId)) return <NotFoundPage />;
  if (post.status !== 'ready') return <LoadGate state={post} />;
  const p = post.data;
  return (
    <Page heading={p.title}>
      <p className="kern-body kern-body--small">
        {t('participation.news.published', { date: formatDate(p.publishedAt, i18n.language) })} ·{' '}
        {p.municipalityName ?? t('participation.news.regionWide')}
      </p>
      {p.summary && <p className="kern-body kern-body--large">{p.summary}</p>}
      <PostBody html={p.html} />
      {p.kind === 'news' && (
        <p>
          <Link className="kern-link" to="/mitmachen/news">
            {t('participation.news.back')}
          </Link>
        </p>
      )}
    </Page>
  );
}

function ReportsPage() {
  const { t, i18n } = useTranslation();
  const [search] = useSearchParams();
  const number = search.get('nummer');
  const [status, setStatus] = useState('');
  const query = new URLSearchParams();
  if (status) query.set('status', status);
  if (number && /^\d+$/.test(number)) query.set('number', number);
  const reports = useLoad<{ reports: PublicReport[] }>(`/api/public/reports?${query.toString()}`);
  const boundaries = useLoad<unknown>('/api/public/boundaries');
  return (
    <Page heading={t('participation.reports.title')}>
      <p className="kern-body kern-body--large">{t('participation.reports.lead')}</p>
      <p>
        <Link className="kern-btn kern-btn--primary" to="/mitmachen/melden">
          <span className="kern-label">{t('participation.nav.report')}</span>
        </Link>
      </p>
      <div className="kern-form-input">
        <label className="kern-label" htmlFor="reports-status">
          {t('participation.reports.filterStatus')}
        </label>
        <div className="kern-form-input__select-wrapper">
          <select
            id="reports-status"
            className="kern-form-input__select"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
          >
            <option value="">{t('participation.reports.all')}</option>
            {(['open', 'acknowledged', 'in_progress', 'closed'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`participation.reports.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <LoadGate state={reports} />
      {reports.status === 'ready' && boundaries.status === 'ready' && (
        <Suspense fallback={<Loading />}>
          <ReportMap
            label={t('participation.reports.mapLabel')}
            boundaries={boundaries.data}
            points={reports.data.reports
              .filter((r) => r.location)
              .map((r) => ({ ...r.location!, label: `#${r.number} ${r.category.name}` }))}
          />
        </Suspense>
      )}
      {reports.status === 'ready' &&
        (reports.data.reports.length === 0 ? (
          <p className="kern-body">{t('participation.reports.empty')}</p>
        ) : (
          <ul className="kern-list srp-report-list" data-testid="public-reports">
            {reports.data.reports.map((r) => (
              <li key={r.number}>
                <ReportCard report={r} language={i18n.language} />
              </li>
            ))}
          </ul>
        ))}
    </Page>
  );
}

function ReportCard({ report: r, language }: { report: PublicReport; language: string }) {
  const { t } = useTranslation();
  return (
    <article className="srp-report kern-stack-xs" aria-labelledby={`report-${r.number}`}>
      <h2 id={`report-${r.number}`} className="kern-heading-small">
        {t('participation.reports.number', { number: r.number })}: {r.category.name}
      </h2>
      <p>
        <StatusBadge status={r.status} /> · {r.municipalityName} · {formatDate(r.createdAt, language)}
      </p>
      <p className="kern-body">{r.description}</p>
      {r.address && <p className="kern-body kern-body--small">{r.address}</p>}
      {r.statusNote && <p className="kern-body">{r.statusNote}</p>}
      {r.photos.map((url) => (
        <img
          key={url}
          src={url}
          alt={t('participation.reports.photoAlt', { number: r.number })}
          className="srp-report-photo"
        />
      ))}
    </article>
  );
}

function TrackingPage() {
  const { t, i18n } = useTranslation();
  const { token = '' } = useParams();
  const tracked = useLoad<{
    report: PublicReport;
    comments: { body: string; createdAt: string }[];
    photosWaiting: number;
  }>(`/api/public/reports/tracking/${encodeURIComponent(token)}`);
  if (tracked.status === 'error' && tracked.error.status === 404)
    return (
      <Page heading={t('participation.reports.trackingTitle')}>
        <Alert variant="warning" title={t('participation.reports.notFound')} />
      </Page>
    );
  return (
    <Page heading={t('participation.reports.trackingTitle')}>
      <LoadGate state={tracked} />
      {tracked.status === 'ready' && (
        <>
          <ReportCard report={tracked.data.report} language={i18n.language} />
          {tracked.data.photosWaiting > 0 && (
            <p className="kern-body">
              {t('participation.reports.photosWaiting', { count: tracked.data.photosWaiting })}
            </p>
          )}
          {tracked.data.comments.length > 0 && (
            <section aria-labelledby="answers" className="kern-stack-xs">
              <h2 id="answers" className="kern-heading-medium">
                {t('participation.reports.answers')}
              </h2>
              <ul className="kern-list">
                {tracked.data.comments.map((c) => (
                  <li key={c.createdAt} className="kern-body">
                    {formatDate(c.createdAt, i18n.language)}: {c.body}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </Page>
  );
}

interface PublicFeedback {
  id: string;
  kind: 'feedback' | 'idea';
  title: string;
  body: string;
  answer: string | null;
}

function IdeasPage() {
  const { t } = useTranslation();
  const regions = useRegions();
  const published = useLoad<{ feedback: PublicFeedback[] }>('/api/public/feedback');
  const [startedAt] = useState(() => Date.now());
  const [kind, setKind] = useState<'idea' | 'feedback'>('idea');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [website, setWebsite] = useState('');
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const region = regions.status === 'ready' ? regions.regions[0] : undefined;
    if (!region) return;
    try {
      await api.post('/api/public/feedback', {
        region: region.id,
        kind,
        title: title.trim(),
        body: body.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(email.trim() ? { email: email.trim() } : {}),
        website,
        startedAt,
      });
      setResult({ ok: true, message: t('participation.ideas.thanks') });
      setTitle('');
      setBody('');
    } catch (error) {
      setResult({ ok: false, message: error instanceof ApiError ? error.message : t('errors.generic') });
    }
  }

  return (
    <Page heading={t('participation.ideas.title')}>
      <p className="kern-body kern-body--large">{t('participation.ideas.lead')}</p>
      {result && (
        <Alert
          variant={result.ok ? 'success' : 'danger'}
          role={result.ok ? 'status' : 'alert'}
          title={result.message}
        />
      )}
      <form className="kern-stack-md srp-form" onSubmit={(e) => void submit(e)}>
        <fieldset className="kern-fieldset">
          <legend className="kern-label">{t('participation.ideas.kind')}</legend>
          {(['idea', 'feedback'] as const).map((k) => (
            <div key={k} className="kern-form-check">
              <input
                className="kern-form-check__radio"
                type="radio"
                id={`idea-kind-${k}`}
                name="idea-kind"
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              <label className="kern-label" htmlFor={`idea-kind-${k}`}>
                {t(`participation.ideas.${k}`)}
              </label>
            </div>
          ))}
        </fieldset>
        <TextField
          id="idea-title"
          label={t('participation.ideas.subject')}
          value={title}
          required
          minLength={3}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
        />
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="idea-body">
            {t('participation.ideas.text')}
          </label>
          <textarea
            id="idea-body"
            className="kern-form-input__input"
            rows={4}
            required
            minLength={10}
            maxLength={5000}
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
        </div>
        <TextField
          id="idea-name"
          label={t('participation.ideas.name')}
          value={name}
          autoComplete="name"
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          id="idea-email"
          type="email"
          label={t('participation.ideas.email')}
          value={email}
          autoComplete="email"
          onChange={(e) => setEmail(e.target.value)}
        />
        <Honeypot id="idea-website" value={website} onChange={setWebsite} />
        <button type="submit" className="kern-btn kern-btn--primary">
          <span className="kern-label">{t('participation.ideas.submit')}</span>
        </button>
      </form>
      <section aria-labelledby="answered" className="kern-stack-sm">
        <h2 id="answered" className="kern-heading-medium">
          {t('participation.ideas.answered')}
        </h2>
        <LoadGate state={published} />
        {published.status === 'ready' &&
          (published.data.feedback.length === 0 ? (
            <p className="kern-body">{t('participation.ideas.empty')}</p>
          ) : (
            <ul className="kern-list">
              {published.data.feedback.map((f) => (
                <li key={f.id} className="kern-stack-xs srp-report">
                  <h3 className="kern-heading-small">
                    {t(`participation.ideas.${f.kind}`)}: {f.title}
                  </h3>
                  <p className="kern-body">{f.body}</p>
                  <p className="kern-body">
                    <strong>{t('participation.ideas.answer')}:</strong> {f.answer}
                  </p>
                </li>
              ))}
            </ul>
          ))}
      </section>
    </Page>
  );
}
