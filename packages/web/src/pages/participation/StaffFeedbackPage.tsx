// Back office: feedback and ideas on the project. The team answers publicly and publishes, or hides
// (rejects) an entry; only published entries with their answer appear on /mitmachen/ideen.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Page } from '../../page.js';
import { formatDate, LoadGate, useLoad } from './shared.js';

type FeedbackStatus = 'new' | 'published' | 'hidden';
const STATUSES: FeedbackStatus[] = ['new', 'published', 'hidden'];

interface StaffFeedback {
  id: string;
  kind: 'feedback' | 'idea';
  title: string;
  body: string;
  answer: string | null;
  status: FeedbackStatus;
  authorName: string | null;
  authorEmail: string | null;
  createdAt: string;
}

export default function StaffFeedbackPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<FeedbackStatus | ''>('new');
  const list = useLoad<{ feedback: StaffFeedback[] }>(
    `/api/participation/feedback${status ? `?status=${status}` : ''}`,
  );
  return (
    <Page heading={t('participation.staff.feedback')}>
      <p className="kern-body kern-body--large">{t('participation.staff.feedbackLead')}</p>
      <div className="kern-form-input">
        <label className="kern-label" htmlFor="feedback-status">
          {t('participation.staff.feedbackFilter')}
        </label>
        <div className="kern-form-input__select-wrapper">
          <select
            id="feedback-status"
            className="kern-form-input__select"
            value={status}
            onChange={(e) => setStatus(e.target.value as FeedbackStatus | '')}
          >
            <option value="">{t('participation.reports.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`participation.staff.feedbackStatus.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <LoadGate state={list} />
      {list.status === 'ready' &&
        (list.data.feedback.length === 0 ? (
          <p className="kern-body">{t('participation.staff.feedbackEmpty')}</p>
        ) : (
          <ul className="kern-list srp-report-list">
            {list.data.feedback.map((f) => (
              <FeedbackItem key={f.id} item={f} onChanged={list.reload} />
            ))}
          </ul>
        ))}
    </Page>
  );
}

function FeedbackItem({ item, onChanged }: { item: StaffFeedback; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const [answer, setAnswer] = useState(item.answer ?? '');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const headingId = `feedback-${item.id}`;

  async function moderate(status: 'published' | 'hidden') {
    try {
      await api.post(`/api/participation/feedback/${item.id}/moderation`, { status, answer: answer || null });
      setMessage({ ok: true, text: t('participation.staff.saved') });
      onChanged();
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiError ? error.message : t('errors.generic') });
    }
  }

  return (
    <li className="srp-report kern-stack-xs">
      <h2 id={headingId} className="kern-heading-small">
        {item.title}
      </h2>
      <p className="kern-body kern-body--small">
        {item.kind === 'idea' ? t('participation.ideas.idea') : t('participation.ideas.feedback')} ·{' '}
        {formatDate(item.createdAt, i18n.language)} · {t(`participation.staff.feedbackStatus.${item.status}`)}{' '}
        · {t('participation.staff.reporter')}:{' '}
        {[item.authorName, item.authorEmail].filter(Boolean).join(', ') || t('participation.staff.anonymous')}
      </p>
      <p className="kern-body">{item.body}</p>
      {message && (
        <Alert
          variant={message.ok ? 'success' : 'danger'}
          role={message.ok ? 'status' : 'alert'}
          title={message.text}
        />
      )}
      <div className="kern-form-input">
        <label className="kern-label" htmlFor={`${headingId}-answer`}>
          {t('participation.staff.publicAnswer')}
        </label>
        <textarea
          id={`${headingId}-answer`}
          className="kern-form-input__input"
          rows={3}
          maxLength={5000}
          value={answer}
          onChange={(e) => setAnswer(e.target.value)}
        />
      </div>
      <div className="srp-actions" role="group" aria-labelledby={headingId}>
        <button
          type="button"
          className="kern-btn kern-btn--primary"
          onClick={() => void moderate('published')}
        >
          <span className="kern-label">{t('participation.staff.answerPublish')}</span>
        </button>
        <button
          type="button"
          className="kern-btn kern-btn--secondary"
          onClick={() => void moderate('hidden')}
        >
          <span className="kern-label">{t('participation.staff.hide')}</span>
        </button>
      </div>
    </li>
  );
}
