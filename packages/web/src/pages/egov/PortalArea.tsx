// The citizen portal (/buergerservice/*): find a service of one's municipality, fill it in step by
// step (each top-level group of the form is a step), save and resume, see the fee, submit, then follow
// the application with its documents and mailbox.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Page } from '../../page.js';
import { allMunicipalities, useRegions } from '../../regions.js';
import { useSession } from '../../session.js';
import { ClaimByReference, ClaimOffer } from './ClaimCase.js';
import { caseApi, euro, rememberResumeToken, type CaseView } from './egovClient.js';
import { MessageText } from './MessageText.js';
import { FormStep, type FormHandle } from './FormStep.js';
import { useProcessStartPolling } from './useProcessStartPolling.js';

interface ServiceSummary {
  serviceId: string;
  name: string;
  description: string;
  allowAnonymous: boolean;
  responsibleOffice: string;
}

interface ServiceDetail {
  service: ServiceSummary;
  formSchema: { components: { type: string; id?: string; label?: string }[] };
  feeRules: { id: string; label: string; amountCents: number }[];
  requiredDocuments: string[];
  contact: { office: string; email: string | null; phone: string | null };
}

export default function PortalArea() {
  return (
    <Routes>
      <Route index element={<Catalogue />} />
      <Route path="antrag/:municipalityId/:serviceId" element={<Apply />} />
      <Route path="antraege/:caseId" element={<CasePage />} />
    </Routes>
  );
}

function Catalogue() {
  const { t, i18n } = useTranslation();
  const regions = useRegions();
  const { session } = useSession();
  const municipalities = useMemo(
    () => (regions.status === 'ready' ? allMunicipalities(regions.regions) : []),
    [regions],
  );
  const [municipalityId, setMunicipalityId] = useState('');
  const [query, setQuery] = useState('');
  const [services, setServices] = useState<ServiceSummary[] | null>(null);
  const [mine, setMine] = useState<
    {
      id: string;
      reference: string;
      status: CaseView['status'];
      serviceName: string;
      municipalityName: string;
    }[]
  >([]);
  const chosen = municipalityId || session.user?.homeMunicipality?.id || municipalities[0]?.id || '';

  useEffect(() => {
    if (!chosen) return;
    const q = query.trim() ? `?q=${encodeURIComponent(query.trim())}` : '';
    api.get<{ services: ServiceSummary[] }>(`/api/public/egov/municipalities/${chosen}/services${q}`).then(
      (r) => setServices(r.services),
      () => setServices([]),
    );
  }, [chosen, query]);
  const [claims, setClaims] = useState(0);
  useEffect(() => {
    if (session.user)
      void api.get<{ cases: typeof mine }>('/api/egov/my/cases').then(
        (r) => setMine(r.cases),
        () => setMine([]),
      );
  }, [session.user, claims]);

  return (
    <Page heading={t('areas.services.name')}>
      <p className="kern-body kern-body--large">{t('areas.services.description')}</p>
      <section aria-labelledby="egov-services" className="kern-stack-md">
        <h2 id="egov-services" className="kern-heading-large">
          {t('egov.portal.title')}
        </h2>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="egov-municipality">
            {t('egov.portal.chooseMunicipality')}
          </label>
          <select
            id="egov-municipality"
            className="kern-form-input__select"
            value={chosen}
            onChange={(e) => setMunicipalityId(e.target.value)}
          >
            {municipalities.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </div>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="egov-search">
            {t('egov.portal.search')}
          </label>
          <span className="kern-hint" id="egov-search-hint">
            {t('egov.portal.searchHint')}
          </span>
          <input
            id="egov-search"
            type="search"
            className="kern-form-input__input"
            aria-describedby="egov-search-hint"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        {services && services.length === 0 && (
          <p className="kern-body" role="status">
            {t('egov.portal.noServices')}
          </p>
        )}
        <ul className="srp-egov-services kern-stack-sm" aria-live="polite">
          {services?.map((s) => (
            <li key={s.serviceId} className="kern-card">
              <div className="kern-card__container">
                <div className="kern-card__body">
                  <h3 className="kern-title">{s.name}</h3>
                  <p className="kern-body">{s.description}</p>
                  <p className="kern-body kern-body--small">
                    {s.allowAnonymous ? t('egov.portal.anonymousOk') : t('egov.portal.accountNeeded')}
                  </p>
                </div>
                <div className="kern-card__footer">
                  <Link className="kern-btn kern-btn--primary" to={`antrag/${chosen}/${s.serviceId}`}>
                    <span className="kern-label">
                      {t('egov.portal.start')}
                      <span className="kern-sr-only">: {s.name}</span>
                    </span>
                  </Link>
                </div>
              </div>
            </li>
          ))}
        </ul>
      </section>
      {session.user && (
        <section aria-labelledby="egov-mine" className="kern-stack-sm">
          <h2 id="egov-mine" className="kern-heading-large">
            {t('egov.portal.myCases')}
          </h2>
          {mine.length === 0 ? (
            <p className="kern-body">{t('egov.portal.noCases')}</p>
          ) : (
            <ul className="kern-list">
              {mine.map((c) => (
                <li key={c.id} className="kern-body">
                  <Link to={`antraege/${c.id}`}>
                    {c.serviceName} – {c.reference}
                  </Link>{' '}
                  ({c.municipalityName}): <strong>{t(`egov.status.${c.status}`)}</strong>
                </li>
              ))}
            </ul>
          )}
          <ClaimByReference onClaimed={() => setClaims((n) => n + 1)} />
          <a className="kern-link" href="/api/egov/my/export" download>
            {t('egov.portal.export')}
          </a>
          <span hidden>{i18n.language}</span>
        </section>
      )}
    </Page>
  );
}

/** Replaces every picked file in the data by the id of its uploaded attachment. */
async function uploadFiles(
  caseId: string,
  value: unknown,
  files: Map<string, File[]>,
  path: string,
): Promise<unknown> {
  if (typeof value === 'string' && files.has(value)) {
    const ids: string[] = [];
    for (const file of files.get(value)!) ids.push((await caseApi.upload(caseId, path, file)).id);
    return ids.length === 1 ? ids[0] : ids;
  }
  if (Array.isArray(value))
    return Promise.all(value.map((v, i) => uploadFiles(caseId, v, files, `${path}[${i}]`)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = await uploadFiles(caseId, v, files, path ? `${path}.${key}` : key);
    return out;
  }
  return value;
}

function Apply() {
  const { municipalityId = '', serviceId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const navigate = useNavigate();
  // Test mode (from the process designer): the draft version's form, in the case the designer started.
  const [search] = useSearchParams();
  const testVersion = search.get('testVersion');
  const [testVersionNumber, setTestVersionNumber] = useState<number | null>(null);
  const [detail, setDetail] = useState<ServiceDetail | null>(null);
  const [caseId, setCaseId] = useState<string | null>(search.get('testCase'));
  const [resumeLink, setResumeLink] = useState<string | null>(null);
  const [data, setData] = useState<Record<string, unknown>>({});
  const [step, setStep] = useState(0);
  const [handle, setHandle] = useState<FormHandle | null>(null);
  const [fee, setFee] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void (async () => {
      const published = await api.get<ServiceDetail>(
        `/api/public/egov/municipalities/${municipalityId}/services/${serviceId}`,
      );
      if (!testVersion) return setDetail(published);
      const draft = await api.get<{
        version: number;
        name: string;
        description: string;
        formSchema: ServiceDetail['formSchema'];
        feeRules: ServiceDetail['feeRules'];
        requiredDocuments: string[];
      }>(`/api/egov/design/versions/${testVersion}`);
      setTestVersionNumber(draft.version);
      setDetail({
        ...published,
        service: { ...published.service, name: draft.name, description: draft.description },
        formSchema: draft.formSchema,
        feeRules: draft.feeRules,
        requiredDocuments: draft.requiredDocuments,
      });
    })().catch(() => setError(t('errors.generic')));
  }, [municipalityId, serviceId, testVersion, t]);

  const steps = detail?.formSchema.components ?? [];
  const stepSchema = useMemo(
    () => (steps[step] ? { type: 'default', components: [steps[step]] } : null),
    [steps, step],
  );
  if (!detail)
    return (
      <Page heading={t('common.loading')}>
        {error && <Alert variant="danger" title={error} role="alert" />}
      </Page>
    );
  if (!detail.service.allowAnonymous && !session.user)
    return (
      <Page heading={detail.service.name}>
        <Alert variant="info" title={t('egov.portal.loginFirst')} />
        <Link
          className="kern-btn kern-btn--primary"
          to={`/anmelden?next=${encodeURIComponent(location.pathname)}`}
        >
          <span className="kern-label">{t('header.login')}</span>
        </Link>
      </Page>
    );

  async function ensureCase(): Promise<string> {
    if (caseId) return caseId;
    const created = await caseApi.json<{ case: CaseView; resumeToken: string | null }>(
      'POST',
      `/api/egov/municipalities/${municipalityId}/cases`,
      null,
      testVersion ? { serviceId, versionId: testVersion } : { serviceId },
    );
    if (created.resumeToken) {
      rememberResumeToken(created.case.id, created.resumeToken);
      setResumeLink(`${location.origin}/buergerservice/antraege/${created.case.id}#${created.resumeToken}`);
    }
    setCaseId(created.case.id);
    return created.case.id;
  }

  async function collectStep(): Promise<Record<string, unknown> | null> {
    const collected = handle?.collect();
    if (!collected) {
      setError(t('egov.portal.fixErrors'));
      return null;
    }
    const id = await ensureCase();
    const withFiles = (await uploadFiles(id, collected.data, collected.files, '')) as Record<string, unknown>;
    const merged = { ...data, ...withFiles };
    setData(merged);
    const saved = await caseApi.json<{ fee: { totalCents: number } }>(
      'PUT',
      `/api/egov/cases/${id}/draft`,
      id,
      { data: merged },
    );
    setFee(saved.fee.totalCents);
    setError(null);
    return merged;
  }

  async function next(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const merged = await collectStep();
      if (!merged) return;
      if (step < steps.length - 1) {
        setStep(step + 1);
        setHandle(null);
        return;
      }
      const id = caseId ?? (await ensureCase());
      const result = await caseApi.json<{ reference: string }>('POST', `/api/egov/cases/${id}/submit`, id, {
        data: merged,
      });
      void navigate(`/buergerservice/antraege/${id}`, { state: { submitted: result.reference } });
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'egov_form_invalid'
          ? t('egov.portal.fixErrors')
          : t('errors.generic'),
      );
    } finally {
      setBusy(false);
    }
  }

  const last = step === steps.length - 1;
  return (
    <Page heading={detail.service.name}>
      {testVersionNumber !== null && (
        <Alert variant="warning" title={t('egov.designer.testRunBanner', { version: testVersionNumber })} />
      )}
      <p className="kern-body">{detail.service.description}</p>
      <dl className="srp-egov-facts">
        <dt className="kern-label">{t('egov.portal.office')}</dt>
        <dd className="kern-body">{detail.contact.office || detail.service.responsibleOffice}</dd>
        {detail.requiredDocuments.length > 0 && (
          <>
            <dt className="kern-label">{t('egov.portal.documents')}</dt>
            <dd className="kern-body">{detail.requiredDocuments.join(', ')}</dd>
          </>
        )}
        <dt className="kern-label">{t('egov.portal.fee')}</dt>
        <dd className="kern-body" aria-live="polite">
          {fee !== null
            ? euro(fee, i18n.language)
            : detail.feeRules.map((r) => `${r.label}: ${euro(r.amountCents, i18n.language)}`).join('; ') ||
              euro(0, i18n.language)}
        </dd>
      </dl>
      <form onSubmit={(e) => void next(e)} className="kern-stack-md" noValidate>
        <h2 className="kern-heading-medium">
          {t('egov.portal.step', { current: step + 1, total: steps.length })}: {steps[step]?.label}
        </h2>
        {error && <Alert variant="danger" title={error} role="alert" />}
        {stepSchema && (
          <FormStep key={step} schema={stepSchema} data={data} onReady={setHandle} language={i18n.language} />
        )}
        <div className="srp-egov-actions">
          {step > 0 && (
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() => {
                setStep(step - 1);
                setHandle(null);
              }}
            >
              <span className="kern-label">{t('egov.portal.back')}</span>
            </button>
          )}
          <button
            type="button"
            className="kern-btn kern-btn--tertiary"
            disabled={busy || !handle}
            onClick={() => void collectStep()}
          >
            <span className="kern-label">{t('egov.portal.saveDraft')}</span>
          </button>
          <button type="submit" className="kern-btn kern-btn--primary" disabled={busy || !handle}>
            <span className="kern-label">
              {busy ? t('egov.portal.submitting') : last ? t('egov.portal.submit') : t('egov.portal.next')}
            </span>
          </button>
        </div>
        {resumeLink && (
          <p className="kern-body" role="status">
            {t('egov.portal.saved')} <code>{resumeLink}</code>
          </p>
        )}
      </form>
    </Page>
  );
}

function CasePage() {
  const { caseId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<CaseView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const submitted = (history.state as { usr?: { submitted?: string } } | null)?.usr?.submitted;

  useEffect(() => {
    // A resume link carries the token in the fragment, which never reaches the server's logs.
    const fragment = location.hash.slice(1);
    if (/^[A-Za-z0-9_-]{20,100}$/.test(fragment)) {
      rememberResumeToken(caseId, fragment);
      history.replaceState(history.state, '', location.pathname);
    }
    caseApi.get<CaseView>(caseId).then(setView, () => setError(t('errors.generic')));
  }, [caseId, t]);

  const refresh = useCallback(() => {
    caseApi.get<CaseView>(caseId).then(setView, () => undefined);
  }, [caseId]);
  useProcessStartPolling(view?.processing ?? false, refresh);

  if (!view)
    return (
      <Page heading={t('common.loading')}>
        {error && <Alert variant="danger" title={error} role="alert" />}
      </Page>
    );
  if (view.status === 'draft') {
    return (
      <Page heading={view.serviceName}>
        <Link
          className="kern-btn kern-btn--primary"
          to={`/buergerservice/antrag/${view.municipalityId}/${view.serviceId}`}
        >
          <span className="kern-label">{t('egov.portal.start')}</span>
        </Link>
        <ClaimOffer view={view} onClaimed={setView} />
      </Page>
    );
  }
  const receipt = view.files.find((f) => f.kind === 'receipt');

  async function send(e: FormEvent) {
    e.preventDefault();
    if (!message.trim()) return;
    await caseApi.json('POST', `/api/egov/cases/${caseId}/messages`, caseId, { body: message });
    setMessage('');
    setView(await caseApi.get<CaseView>(caseId));
  }

  return (
    <Page heading={t('egov.portal.caseTitle', { reference: view.reference })}>
      {submitted && <Alert variant="success" title={t('egov.portal.submitted')} role="status" />}
      <dl className="srp-egov-facts">
        <dt className="kern-label">{t('egov.portal.reference')}</dt>
        <dd className="kern-body" data-testid="reference">
          {view.reference}
        </dd>
        <dt className="kern-label">{t('egov.portal.status')}</dt>
        <dd className="kern-body" data-testid="status">
          <strong>{t(`egov.status.${view.status}`)}</strong>
        </dd>
        <dt className="kern-label">{t('egov.portal.fee')}</dt>
        <dd className="kern-body">{euro(view.feeCents, i18n.language)}</dd>
      </dl>
      <ClaimOffer view={view} onClaimed={setView} />
      {view.processing && (
        <p className="kern-body" role="status" data-testid="processing">
          {t('egov.portal.processing')}
        </p>
      )}
      {view.paymentUrl && (
        <Alert variant="warning" title={t('egov.portal.payTitle')}>
          <p className="kern-body">{t('egov.portal.payText')}</p>
          {/* The payment page speaks the portal's language (it reads ?lang=, else the browser's). */}
          <a
            className="kern-btn kern-btn--primary"
            href={`${view.paymentUrl}?lang=${i18n.language === 'en' ? 'en' : 'de'}`}
          >
            <span className="kern-label">
              {t('egov.portal.pay', { fee: euro(view.feeCents, i18n.language) })}
            </span>
          </a>
        </Alert>
      )}
      <section aria-labelledby="egov-files" className="kern-stack-xs">
        <h2 id="egov-files" className="kern-heading-medium">
          {t('egov.portal.files')}
        </h2>
        <ul className="kern-list">
          {view.files
            .filter((f) => f.kind !== 'attachment')
            .map((f) => (
              <li key={f.id}>
                <button
                  type="button"
                  className="kern-btn kern-btn--tertiary"
                  onClick={() =>
                    void caseApi.download(caseId, `/api/egov/cases/${caseId}/files/${f.id}`, f.fileName)
                  }
                >
                  <span className="kern-label">{f === receipt ? t('egov.portal.receipt') : f.fileName}</span>
                </button>
              </li>
            ))}
        </ul>
      </section>
      <section aria-labelledby="egov-mailbox" className="kern-stack-sm">
        <h2 id="egov-mailbox" className="kern-heading-medium">
          {t('egov.portal.mailbox')}
        </h2>
        {view.messages.length === 0 ? (
          <p className="kern-body">{t('egov.portal.noMessages')}</p>
        ) : (
          <ol className="kern-list srp-egov-messages">
            {view.messages.map((m) => (
              <li key={m.id} className="kern-body">
                <strong>{t(`egov.portal.from.${m.sender}`)}</strong> (
                {new Date(m.createdAt).toLocaleString(i18n.language)}): <MessageText text={m.body} />
              </li>
            ))}
          </ol>
        )}
        <form onSubmit={(e) => void send(e)} className="kern-stack-xs">
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="egov-message">
              {t('egov.portal.yourMessage')}
            </label>
            <textarea
              id="egov-message"
              className="kern-form-input__input"
              rows={3}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
          </div>
          <button type="submit" className="kern-btn kern-btn--secondary">
            <span className="kern-label">{t('egov.portal.send')}</span>
          </button>
        </form>
      </section>
    </Page>
  );
}
