// Back office: the reports of the municipalities the person works for; triage, answers, duplicates,
// photo approval and a task for the building yard (which then shows in /verwaltung/aufgaben).
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Page } from '../../page.js';
import { formatDate, LoadGate, StatusBadge, useLoad, type ReportStatus } from './shared.js';

interface StaffReport {
  id: string;
  number: number;
  municipalityName: string;
  category: { code: string; name: string };
  description: string;
  address: string | null;
  status: ReportStatus;
  statusNote: string | null;
  reporter: { name: string | null; email: string | null; phone: string | null };
  duplicateOf: string | null;
  taskId: string | null;
  createdAt: string;
}

interface Detail {
  report: StaffReport;
  comments: {
    id: string;
    visibility: 'public' | 'internal';
    author: string | null;
    body: string;
    createdAt: string;
  }[];
  photos: { id: string; approved: boolean; url: string }[];
}

const STATUSES: ReportStatus[] = ['open', 'acknowledged', 'in_progress', 'closed'];

export default function StaffReportsPage() {
  return (
    <Routes>
      <Route index element={<ReportList />} />
      <Route path=":reportId" element={<ReportDetail />} />
    </Routes>
  );
}

function ReportList() {
  const { t, i18n } = useTranslation();
  const reports = useLoad<{ reports: StaffReport[] }>('/api/participation/reports');
  return (
    <Page heading={t('participation.staff.reports')}>
      <p className="kern-body kern-body--large">{t('participation.staff.reportsLead')}</p>
      <LoadGate state={reports} />
      {reports.status === 'ready' && (
        <ul className="kern-list srp-report-list">
          {reports.data.reports.map((r) => (
            <li key={r.id} className="srp-report kern-stack-xs">
              <h2 className="kern-heading-small">
                <Link className="kern-link" to={`/verwaltung/meldungen/${r.id}`}>
                  {t('participation.staff.open', { number: r.number })}: {r.category.name}
                </Link>
              </h2>
              <p>
                <StatusBadge status={r.status} /> · {r.municipalityName} ·{' '}
                {formatDate(r.createdAt, i18n.language)}
              </p>
              <p className="kern-body">{r.description}</p>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

function ReportDetail() {
  const { t, i18n } = useTranslation();
  const { reportId = '' } = useParams();
  const detail = useLoad<Detail>(`/api/participation/reports/${reportId}`);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [status, setStatus] = useState<ReportStatus | ''>('');
  const [note, setNote] = useState('');
  const [comment, setComment] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'internal'>('internal');
  const [mergeNumber, setMergeNumber] = useState('');
  const [taskId, setTaskId] = useState<string | null>(null);

  async function act(action: () => Promise<unknown>, success: string) {
    try {
      await action();
      setMessage({ ok: true, text: success });
      detail.reload();
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiError ? error.message : t('errors.generic') });
    }
  }

  if (detail.status !== 'ready') return <LoadGate state={detail} />;
  const { report: r, comments, photos } = detail.data;
  const base = `/api/participation/reports/${r.id}`;

  async function merge(event: FormEvent) {
    event.preventDefault();
    const list = await api.get<{ reports: StaffReport[] }>('/api/participation/reports?limit=500');
    const target = list.reports.find((x) => String(x.number) === mergeNumber.trim());
    if (!target) {
      setMessage({ ok: false, text: t('notFound.title') });
      return;
    }
    await act(() => api.post(`${base}/merge`, { into: target.id }), t('participation.staff.saved'));
  }

  return (
    <Page heading={`${t('participation.reports.number', { number: r.number })}: ${r.category.name}`}>
      <p>
        <Link className="kern-link" to="/verwaltung/meldungen">
          {t('participation.staff.back')}
        </Link>
      </p>
      {message && (
        <Alert
          variant={message.ok ? 'success' : 'danger'}
          role={message.ok ? 'status' : 'alert'}
          title={message.text}
        />
      )}
      <p>
        <StatusBadge status={r.status} /> · {r.municipalityName} · {formatDate(r.createdAt, i18n.language)}
      </p>
      <p className="kern-body">{r.description}</p>
      {r.address && <p className="kern-body">{r.address}</p>}
      <p className="kern-body">
        {t('participation.staff.reporter')}:{' '}
        {[r.reporter.name, r.reporter.email, r.reporter.phone].filter(Boolean).join(', ') ||
          t('participation.staff.anonymous')}
      </p>

      <form
        className="kern-stack-sm srp-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(
            () => api.patch(base, { ...(status ? { status } : {}), statusNote: note.trim() || null }),
            t('participation.staff.saved'),
          );
        }}
      >
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="staff-status">
            {t('participation.staff.changeStatus')}
          </label>
          <div className="kern-form-input__select-wrapper">
            <select
              id="staff-status"
              className="kern-form-input__select"
              value={status || r.status}
              onChange={(e) => setStatus(e.target.value as ReportStatus)}
            >
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`participation.reports.status.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <TextField
          id="staff-note"
          label={t('participation.staff.statusNote')}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <button type="submit" className="kern-btn kern-btn--primary">
          <span className="kern-label">{t('participation.staff.save')}</span>
        </button>
      </form>

      <div className="kern-stack-xs">
        <button
          type="button"
          className="kern-btn kern-btn--secondary"
          onClick={() =>
            void act(async () => {
              const created = await api.post<{ taskId: string }>(`${base}/task`, {});
              setTaskId(created.taskId);
            }, t('participation.staff.taskCreated'))
          }
        >
          <span className="kern-label">{t('participation.staff.createTask')}</span>
        </button>
        {(taskId ?? r.taskId) && (
          <p>
            <Link className="kern-link" to={`/verwaltung/aufgaben?task=${taskId ?? r.taskId}`}>
              {t('participation.staff.toWorkList')}
            </Link>
          </p>
        )}
      </div>

      <section aria-labelledby="staff-photos" className="kern-stack-xs">
        <h2 id="staff-photos" className="kern-heading-medium">
          {t('participation.staff.photos')}
        </h2>
        {photos.map((p, index) => (
          <div key={p.id} className="kern-stack-xs">
            <img
              src={p.url}
              alt={`${t('participation.reports.photoAlt', { number: r.number })} (${index + 1})`}
              className="srp-report-photo"
            />
            <p className="kern-body">
              {p.approved ? t('participation.staff.approved') : t('participation.staff.notApproved')}
            </p>
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() =>
                void act(
                  () => api.post(`${base}/photos/${p.id}/approval`, { approved: !p.approved }),
                  t('participation.staff.saved'),
                )
              }
            >
              <span className="kern-label">
                {p.approved ? t('participation.staff.withdraw') : t('participation.staff.approve')}
              </span>
            </button>
          </div>
        ))}
      </section>

      <section aria-labelledby="staff-comments" className="kern-stack-sm">
        <h2 id="staff-comments" className="kern-heading-medium">
          {t('participation.staff.comment')}
        </h2>
        <ul className="kern-list">
          {comments.map((c) => (
            <li key={c.id} className="kern-body">
              [
              {c.visibility === 'public'
                ? t('participation.staff.public')
                : t('participation.staff.internal')}
              ] {c.author ?? ''}: {c.body}
            </li>
          ))}
        </ul>
        <form
          className="kern-stack-sm srp-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              await api.post(`${base}/comments`, { visibility, body: comment.trim() });
              setComment('');
            }, t('participation.staff.saved'));
          }}
        >
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="staff-comment">
              {t('participation.staff.comment')}
            </label>
            <textarea
              id="staff-comment"
              className="kern-form-input__input"
              rows={3}
              required
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
          </div>
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="staff-visibility">
              {t('participation.staff.visibility')}
            </label>
            <div className="kern-form-input__select-wrapper">
              <select
                id="staff-visibility"
                className="kern-form-input__select"
                value={visibility}
                onChange={(e) => setVisibility(e.target.value as 'public' | 'internal')}
              >
                <option value="internal">{t('participation.staff.internal')}</option>
                <option value="public">{t('participation.staff.public')}</option>
              </select>
            </div>
          </div>
          <button type="submit" className="kern-btn kern-btn--primary">
            <span className="kern-label">{t('participation.staff.addComment')}</span>
          </button>
        </form>
      </section>

      {!r.duplicateOf && (
        <form className="kern-stack-sm srp-form" onSubmit={(e) => void merge(e)}>
          <TextField
            id="staff-merge"
            label={t('participation.staff.mergeInto')}
            inputMode="numeric"
            value={mergeNumber}
            onChange={(e) => setMergeNumber(e.target.value)}
          />
          <button type="submit" className="kern-btn kern-btn--secondary">
            <span className="kern-label">{t('participation.staff.merge')}</span>
          </button>
        </form>
      )}
    </Page>
  );
}
