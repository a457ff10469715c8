// Back office for online services: /verwaltung/vorgaenge (cases of every municipality the caseworker
// works for, substitutions included; claim, process steps, questions, a fee set later with its pay link,
// messages, history, statistics) and /verwaltung/prozesse (the shared catalogue's versions: new draft,
// publish; each version opens in the process designer, ProcessDesigner.tsx).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Page } from '../../page.js';
import type { CaseView } from './egovClient.js';
import { MessageText } from './MessageText.js';
import { parseEuro } from './feeRuleForm.js';
import { useProcessStartPolling } from './useProcessStartPolling.js';

interface CaseRow {
  id: string;
  reference: string;
  status: CaseView['status'];
  municipalityName: string;
  serviceName: string;
  assigneeName: string | null;
  submittedAt: string | null;
  dueAt: string | null;
  overdue: boolean;
}

export function OfficeCaseList() {
  const { t, i18n } = useTranslation();
  const [cases, setCases] = useState<CaseRow[] | null>(null);
  const [stats, setStats] = useState<
    {
      service: string;
      municipalityName: string;
      total: number;
      closed: number;
      avgProcessingHours: number | null;
    }[]
  >([]);
  useEffect(() => {
    void api.get<{ cases: CaseRow[] }>('/api/egov/backoffice/cases').then((r) => setCases(r.cases));
    void api.get<{ rows: typeof stats }>('/api/egov/backoffice/statistics').then((r) => setStats(r.rows));
  }, []);
  const date = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString(i18n.language) : '–');
  return (
    <Page heading={t('egov.office.cases')}>
      {cases === null ? (
        <p className="kern-body">{t('common.loading')}</p>
      ) : cases.length === 0 ? (
        <p className="kern-body">{t('egov.office.noCases')}</p>
      ) : (
        <div className="srp-table-scroll">
          <table className="kern-table" data-testid="egov-cases">
            <thead className="kern-table__head">
              <tr className="kern-table__row">
                <th className="kern-table__header" scope="col">
                  {t('egov.portal.reference')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.service')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.municipality')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.portal.status')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.dueAt')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.assignee')}
                </th>
              </tr>
            </thead>
            <tbody className="kern-table__body">
              {cases.map((c) => (
                <tr key={c.id} className="kern-table__row">
                  <th className="kern-table__header" scope="row">
                    <Link to={c.id}>{c.reference}</Link>
                  </th>
                  <td className="kern-table__cell">{c.serviceName}</td>
                  <td className="kern-table__cell">{c.municipalityName}</td>
                  <td className="kern-table__cell">{t(`egov.status.${c.status}`)}</td>
                  <td className="kern-table__cell">
                    {date(c.dueAt)}
                    {c.overdue && <strong> ({t('egov.office.overdue')})</strong>}
                  </td>
                  <td className="kern-table__cell">{c.assigneeName ?? t('egov.office.nobody')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section aria-labelledby="egov-stats" className="kern-stack-xs">
        <h2 id="egov-stats" className="kern-heading-medium">
          {t('egov.office.statistics')}
        </h2>
        <div className="srp-table-scroll">
          <table className="kern-table">
            <thead className="kern-table__head">
              <tr className="kern-table__row">
                <th className="kern-table__header" scope="col">
                  {t('egov.office.municipality')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.service')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.total')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.closed')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.office.avgHours')}
                </th>
              </tr>
            </thead>
            <tbody className="kern-table__body">
              {stats.map((s) => (
                <tr key={`${s.municipalityName}-${s.service}`} className="kern-table__row">
                  <td className="kern-table__cell">{s.municipalityName}</td>
                  <td className="kern-table__cell">{s.service}</td>
                  <td className="kern-table__cell">{s.total}</td>
                  <td className="kern-table__cell">{s.closed}</td>
                  <td className="kern-table__cell">{s.avgProcessingHours ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </Page>
  );
}

interface StaffCase {
  case: CaseView;
  assigneeId: string | null;
  delivery: { id: string; status: string; remoteStatus: string | null; lastError: string | null } | null;
  startFailed: { lastError: string | null } | null;
  openSteps: { activityId: string; title: string }[];
  trail: { at: string; action: string; actor: string }[];
}

export function OfficeCaseDetail() {
  const { caseId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<StaffCase | null>(null);
  const [note, setNote] = useState('');
  const [question, setQuestion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [redelivered, setRedelivered] = useState(false);
  const [startRetried, setStartRetried] = useState(false);
  const [fee, setFee] = useState({ amount: '', purpose: '' });
  const [feeErrors, setFeeErrors] = useState<{ amount?: string; purpose?: string }>({});
  const [feeSent, setFeeSent] = useState(false);
  const load = useCallback(
    () =>
      api
        .get<StaffCase>(`/api/egov/backoffice/cases/${caseId}`)
        .then(setView, () => setError(t('errors.generic'))),
    [caseId, t],
  );
  useEffect(() => {
    void load();
  }, [load]);
  useProcessStartPolling(view?.case.processing ?? false, load);

  /** A staff action on the case; false (and the error shown) when it failed. */
  async function act(path: string, body: unknown): Promise<boolean> {
    try {
      await api.post(`/api/egov/backoffice/cases/${caseId}/${path}`, body);
      setError(null);
      await load();
      return true;
    } catch {
      setError(t('errors.generic'));
      return false;
    }
  }
  function ask(e: FormEvent) {
    e.preventDefault();
    if (question.trim()) void act('request-information', { message: question }).then(() => setQuestion(''));
  }
  function requestFee(e: FormEvent) {
    e.preventDefault();
    const amountCents = parseEuro(fee.amount);
    const purpose = fee.purpose.trim();
    const errors = {
      ...(amountCents === null || amountCents === 0 ? { amount: t('egov.office.feeAmountInvalid') } : {}),
      ...(purpose ? {} : { purpose: t('egov.office.feePurposeMissing') }),
    };
    setFeeErrors(errors);
    setFeeSent(false);
    if (errors.amount || errors.purpose) {
      document.getElementById(errors.amount ? 'egov-fee-amount' : 'egov-fee-purpose')?.focus();
      return;
    }
    void act('fees', { amountCents, purpose }).then((sent) => {
      setFeeSent(sent);
      if (sent) setFee({ amount: '', purpose: '' });
    });
  }

  if (!view)
    return (
      <Page heading={t('common.loading')}>
        {error && <Alert variant="danger" title={error} role="alert" />}
      </Page>
    );
  const c = view.case;
  const failedDelivery =
    view.delivery && ['failed', 'rejected'].includes(view.delivery.status) ? view.delivery : null;
  async function redeliver(deliveryId: string) {
    try {
      await api.post(
        `/api/municipalities/${c.municipalityId}/egov/connector-deliveries/${deliveryId}/redeliver`,
      );
      setError(null);
      setRedelivered(true);
      await load();
    } catch {
      setError(t('errors.generic'));
    }
  }
  return (
    <Page heading={`${c.serviceName} – ${c.reference}`}>
      {error && <Alert variant="danger" title={error} role="alert" />}
      <p className="kern-body" data-testid="status">
        {t('egov.portal.status')}: <strong>{t(`egov.status.${c.status}`)}</strong>
      </p>
      {failedDelivery && (
        <Alert variant="warning" title={t('egov.office.deliveryFailed')}>
          <p className="kern-body">
            {t('egov.office.deliveryReason', {
              reason: failedDelivery.lastError ?? failedDelivery.remoteStatus ?? failedDelivery.status,
            })}
          </p>
          <p className="kern-body">{t('egov.office.deliveryHint')}</p>
          {/* Dead letters get fresh attempts; a rejection by the receiver a new round (new submission). */}
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => void redeliver(failedDelivery.id)}
          >
            <span className="kern-label">{t('egov.office.redeliver')}</span>
          </button>
        </Alert>
      )}
      {view.startFailed && (
        <Alert variant="warning" title={t('egov.office.startFailed')}>
          {view.startFailed.lastError && (
            <p className="kern-body">
              {t('egov.office.deliveryReason', { reason: view.startFailed.lastError })}
            </p>
          )}
          <p className="kern-body">{t('egov.office.startHint')}</p>
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => void act('retry-start', {}).then(setStartRetried)}
          >
            <span className="kern-label">{t('egov.office.retryStart')}</span>
          </button>
        </Alert>
      )}
      {startRetried && (
        <p className="kern-body" role="status">
          {t('egov.office.startRetried')}
        </p>
      )}
      {redelivered && (
        <p className="kern-body" role="status">
          {t('egov.office.redelivered')}
        </p>
      )}
      <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void act('claim', {})}>
        <span className="kern-label">{t('egov.office.claim')}</span>
      </button>
      <section aria-labelledby="egov-steps" className="kern-stack-sm">
        <h2 id="egov-steps" className="kern-heading-medium">
          {t('egov.office.openSteps')}
        </h2>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="egov-note">
            {t('egov.office.note')}
          </label>
          <textarea
            id="egov-note"
            className="kern-form-input__input"
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
        {view.case.processing && (
          <p className="kern-body" data-testid="process-starting">
            {t('egov.office.processStarting')}
          </p>
        )}
        {view.openSteps.map((s) => (
          <div key={s.activityId} className="kern-stack-xs">
            <p className="kern-body">{s.title}</p>
            {s.activityId === 'Pruefen' ? (
              <div className="srp-egov-actions">
                <button
                  type="button"
                  className="kern-btn kern-btn--primary"
                  onClick={() => void act(`steps/${s.activityId}/complete`, { decision: 'approved', note })}
                >
                  <span className="kern-label">{t('egov.office.approve')}</span>
                </button>
                <button
                  type="button"
                  className="kern-btn kern-btn--secondary"
                  onClick={() => void act(`steps/${s.activityId}/complete`, { decision: 'rejected', note })}
                >
                  <span className="kern-label">{t('egov.office.reject')}</span>
                </button>
              </div>
            ) : (
              <button
                type="button"
                className="kern-btn kern-btn--primary"
                onClick={() => void act(`steps/${s.activityId}/complete`, { note })}
              >
                <span className="kern-label">{t('egov.office.done')}</span>
              </button>
            )}
          </div>
        ))}
      </section>
      <form onSubmit={ask} className="kern-stack-xs">
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="egov-question">
            {t('egov.office.requestInfo')}
          </label>
          <textarea
            id="egov-question"
            className="kern-form-input__input"
            rows={2}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
          />
        </div>
        <button type="submit" className="kern-btn kern-btn--secondary">
          <span className="kern-label">{t('egov.office.ask')}</span>
        </button>
      </form>
      <form onSubmit={requestFee} className="kern-stack-xs" aria-labelledby="egov-fee" noValidate>
        <h2 id="egov-fee" className="kern-heading-medium">
          {t('egov.office.laterFee')}
        </h2>
        <p className="kern-body">{t('egov.office.laterFeeHint')}</p>
        <TextField
          id="egov-fee-amount"
          label={t('egov.office.feeAmount')}
          value={fee.amount}
          error={feeErrors.amount}
          inputMode="decimal"
          onChange={(e) => setFee({ ...fee, amount: e.target.value })}
        />
        <TextField
          id="egov-fee-purpose"
          label={t('egov.office.feePurpose')}
          value={fee.purpose}
          error={feeErrors.purpose}
          maxLength={140}
          onChange={(e) => setFee({ ...fee, purpose: e.target.value })}
        />
        <button type="submit" className="kern-btn kern-btn--secondary">
          <span className="kern-label">{t('egov.office.sendPayLink')}</span>
        </button>
        {feeSent && (
          <p className="kern-body" role="status">
            {t('egov.office.payLinkSent')}
          </p>
        )}
      </form>
      <section aria-labelledby="egov-data" className="kern-stack-xs">
        <h2 id="egov-data" className="kern-heading-medium">
          {t('egov.office.data')}
        </h2>
        <pre className="srp-egov-data">{JSON.stringify(c.form, null, 2)}</pre>
        <ul className="kern-list">
          {c.files.map((f) => (
            <li key={f.id}>
              <a className="kern-link" href={`/api/egov/backoffice/cases/${c.id}/files/${f.id}`}>
                {f.fileName}
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="egov-messages" className="kern-stack-xs">
        <h2 id="egov-messages" className="kern-heading-medium">
          {t('egov.portal.mailbox')}
        </h2>
        <ol className="kern-list">
          {c.messages.map((m) => (
            <li key={m.id} className="kern-body">
              <strong>{m.author ?? t(`egov.portal.from.${m.sender}`)}</strong>: <MessageText text={m.body} />
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="egov-trail" className="kern-stack-xs">
        <h2 id="egov-trail" className="kern-heading-medium">
          {t('egov.office.trail')}
        </h2>
        <ol className="kern-list">
          {view.trail.map((e, i) => (
            <li key={i} className="kern-body kern-body--small">
              {new Date(e.at).toLocaleString(i18n.language)}: {e.action} ({e.actor})
            </li>
          ))}
        </ol>
      </section>
    </Page>
  );
}

interface DesignService {
  id: string;
  slug: string;
  leikaKey: string;
  versions: { id: string; version: number; status: string; name: string }[];
}

export function OfficeProcesses() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [services, setServices] = useState<DesignService[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api.get<{ services: DesignService[] }>('/api/egov/design/services').then(
        (r) => setServices(r.services),
        () => setError(t('areas.noAccess')),
      ),
    [t],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const run = (promise: Promise<unknown>) => void promise.then(load, () => setError(t('errors.generic')));
  return (
    <Page heading={t('egov.office.processes')}>
      {error && <Alert variant="warning" title={error} role="alert" />}
      {services?.map((s) => (
        <section key={s.id} className="kern-stack-xs" aria-labelledby={`svc-${s.id}`}>
          <h2 id={`svc-${s.id}`} className="kern-heading-medium">
            {s.versions[0]?.name ?? s.slug}
          </h2>
          <p className="kern-body kern-body--small">{s.leikaKey}</p>
          <ul className="kern-list">
            {s.versions.map((v) => (
              <li key={v.id} className="kern-body">
                <Link to={`${s.id}/versionen/${v.id}`}>
                  {t('egov.designer.open', { version: v.version })}
                </Link>
                : {t(`egov.designer.status.${v.status as 'draft' | 'published' | 'retired'}`)}{' '}
                {v.status === 'draft' && (
                  <button
                    type="button"
                    className="kern-btn kern-btn--tertiary"
                    onClick={() => run(api.post(`/api/egov/design/versions/${v.id}/publish`))}
                  >
                    <span className="kern-label">{t('egov.office.publish')}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
          {s.versions[0]?.status !== 'draft' && (
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() =>
                void api.post<{ id: string }>(`/api/egov/design/services/${s.id}/drafts`).then(
                  (draft) => navigate(`${s.id}/versionen/${draft.id}`),
                  () => setError(t('errors.generic')),
                )
              }
            >
              <span className="kern-label">{t('egov.office.newDraft')}</span>
            </button>
          )}
        </section>
      ))}
    </Page>
  );
}

/** Link cards for the back office landing page. */
