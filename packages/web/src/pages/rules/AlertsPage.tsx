// /verwaltung/alarme and /verwaltung/alarme/:id: the alerts of the person's municipalities, and one alert
// with acknowledge, resolve and comments.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { formatTime, useJson, useReload } from './shared.js';

export interface AlertItem {
  id: string;
  municipalityId: string;
  ruleName: string;
  status: 'open' | 'acknowledged' | 'resolved';
  severity: 'minor' | 'moderate' | 'severe' | 'extreme';
  title: string;
  message: string;
  value: number | null;
  openedAt: string;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  resolvedAt: string | null;
  resolution: 'cleared' | 'task_done' | 'manual' | null;
  reopenCount: number;
  taskId: string | null;
}

/** Status as text with an icon, never by colour alone. */
function StatusBadge({ status }: { status: AlertItem['status'] }) {
  const { t } = useTranslation();
  const icon = status === 'open' ? 'warning' : status === 'acknowledged' ? 'info' : 'success';
  return (
    <span className={`srp-status srp-status--${status}`}>
      <span className={`kern-icon kern-icon--small kern-icon--${icon}`} aria-hidden="true" />
      {t(`rules.alerts.status.${status}`)}
    </span>
  );
}

export default function AlertsPage() {
  const { alertId } = useParams();
  return alertId ? <AlertDetail id={alertId} /> : <AlertList />;
}

function AlertList() {
  const { t, i18n } = useTranslation();
  const [all, setAll] = useState(false);
  const query = all ? 'status=open&status=acknowledged&status=resolved' : 'status=open&status=acknowledged';
  const alerts = useJson<{ alerts: AlertItem[] }>(`/api/alerts?${query}`);
  return (
    <Page heading={t('rules.alerts.title')}>
      <fieldset className="kern-fieldset">
        <legend className="kern-label">{t('rules.alerts.filter')}</legend>
        <div className="kern-fieldset__body kern-fieldset__body--horizontal">
          {[false, true].map((value) => (
            <div className="kern-form-check" key={String(value)}>
              <input
                className="kern-form-check__radio"
                type="radio"
                id={`alerts-all-${value}`}
                name="alerts-filter"
                checked={all === value}
                onChange={() => setAll(value)}
              />
              <label className="kern-label" htmlFor={`alerts-all-${value}`}>
                {value ? t('rules.alerts.all') : t('rules.alerts.active')}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
      {alerts.status === 'loading' && <Loading />}
      {alerts.status === 'error' && <Alert variant="danger" title={t('rules.common.loadFailed')} />}
      {alerts.status === 'ready' &&
        (alerts.data.alerts.length === 0 ? (
          <p className="kern-body">{t('rules.common.none')}</p>
        ) : (
          <ul className="srp-list kern-stack-sm" aria-label={t('rules.alerts.title')}>
            {alerts.data.alerts.map((a) => (
              <li key={a.id} className="kern-card kern-card--small">
                <div className="kern-card__container">
                  <div className="kern-card__header">
                    <h2 className="kern-title">
                      <Link to={`/verwaltung/alarme/${a.id}`} className="kern-link">
                        {a.title}
                      </Link>
                    </h2>
                  </div>
                  <div className="kern-card__body">
                    <p className="kern-body">
                      <StatusBadge status={a.status} /> · {t(`rules.level.${a.severity}`)} ·{' '}
                      {t('rules.alerts.opened')} {formatTime(a.openedAt, i18n.language)}
                    </p>
                    <p className="kern-body">{a.message}</p>
                  </div>
                </div>
              </li>
            ))}
          </ul>
        ))}
    </Page>
  );
}

function AlertDetail({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const [version, reload] = useReload();
  const detail = useJson<{
    alert: AlertItem;
    comments: { id: string; author: string | null; body: string; createdAt: string }[];
  }>(`/api/alerts/${id}`, version);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  async function act(action: 'acknowledge' | 'resolve') {
    setProblem(null);
    try {
      await api.post(`/api/alerts/${id}/${action}`);
      reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }

  async function addComment(event: FormEvent) {
    event.preventDefault();
    if (!comment.trim()) return;
    try {
      await api.post(`/api/alerts/${id}/comments`, { body: comment.trim() });
      setComment('');
      reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }

  if (detail.status === 'loading') return <Loading />;
  if (detail.status === 'error')
    return (
      <Page heading={t('rules.alerts.title')}>
        <Alert variant="danger" title={t('rules.common.loadFailed')} />
      </Page>
    );
  const { alert, comments } = detail.data;
  return (
    <Page heading={alert.title}>
      <p className="kern-body">
        <Link to="/verwaltung/alarme" className="kern-link">
          <span className="kern-icon kern-icon--arrow-back kern-icon--small" aria-hidden="true" />
          {t('rules.alerts.back')}
        </Link>
      </p>
      {problem && (
        <Alert variant="danger" title={t('rules.common.saveFailed', { message: problem })} role="alert" />
      )}
      <dl className="srp-facts">
        <dt>{t('rules.alerts.details')}</dt>
        <dd>
          <StatusBadge status={alert.status} />
          {alert.resolution && ` (${t(`rules.alerts.resolution.${alert.resolution}`)})`}
        </dd>
        <dt>{t('rules.alerts.rule')}</dt>
        <dd>{alert.ruleName}</dd>
        <dt>{t('rules.rules.severity')}</dt>
        <dd>{t(`rules.level.${alert.severity}`)}</dd>
        <dt>{t('rules.alerts.opened')}</dt>
        <dd>{formatTime(alert.openedAt, i18n.language)}</dd>
        <dt>{t('rules.alerts.value')}</dt>
        <dd>{alert.message}</dd>
        {alert.escalatedAt && (
          <>
            <dt>{t('rules.alerts.escalated')}</dt>
            <dd>{formatTime(alert.escalatedAt, i18n.language)}</dd>
          </>
        )}
      </dl>
      {alert.reopenCount > 0 && (
        <p className="kern-body">{t('rules.alerts.reopened', { count: alert.reopenCount })}</p>
      )}
      <div className="srp-form__actions">
        {alert.status === 'open' && (
          <button
            type="button"
            className="kern-btn kern-btn--primary"
            onClick={() => void act('acknowledge')}
          >
            <span className="kern-label">{t('rules.alerts.acknowledge')}</span>
          </button>
        )}
        {alert.status !== 'resolved' && (
          <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void act('resolve')}>
            <span className="kern-label">{t('rules.alerts.resolve')}</span>
          </button>
        )}
        {alert.taskId && (
          <Link to="/verwaltung/aufgaben" className="kern-link">
            {t('rules.alerts.task')}
          </Link>
        )}
      </div>
      <section aria-labelledby="alert-comments" className="kern-stack-sm">
        <h2 id="alert-comments" className="kern-heading-medium">
          {t('rules.alerts.comments')}
        </h2>
        {comments.length === 0 ? (
          <p className="kern-body">{t('rules.common.none')}</p>
        ) : (
          <ul className="kern-list">
            {comments.map((c) => (
              <li key={c.id} className="kern-body">
                <strong>{c.author ?? '—'}</strong> ({formatTime(c.createdAt, i18n.language)}): {c.body}
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={(e) => void addComment(e)} className="kern-stack-sm srp-form">
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="alert-comment">
              {t('rules.alerts.comment')}
            </label>
            <textarea
              id="alert-comment"
              className="kern-form-input__input"
              rows={3}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
          </div>
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--secondary">
              <span className="kern-label">{t('rules.alerts.addComment')}</span>
            </button>
          </div>
        </form>
      </section>
    </Page>
  );
}
