// Report a problem: category, description, place (map pick, address or coordinates), photos and an
// optional contact. Works without an account; a hidden honeypot and the time since the form was shown
// keep simple bots out, and every error names the field it is about.
import { lazy, Suspense, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, api } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { ErrorSummary, TextField, type SummaryItem } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { AddressCombobox } from './AddressCombobox.js';
import { Honeypot, LoadGate, useLoad } from './shared.js';

const ReportMap = lazy(() => import('./ReportMap.js'));

interface Category {
  code: string;
  name: string;
  description: string;
}

interface Created {
  number: number;
  municipalityName: string;
  trackingToken: string;
  trackingUrl: string;
}

const parseNumber = (text: string) => (text.trim() === '' ? null : Number(text.replace(',', '.')));

export default function ReportForm() {
  const { t } = useTranslation();
  const categories = useLoad<{ categories: Category[] }>('/api/public/report-categories');
  const boundaries = useLoad<unknown>('/api/public/boundaries');
  const [startedAt] = useState(() => Date.now());
  const [category, setCategory] = useState('');
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [lat, setLat] = useState('');
  const [lon, setLon] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [website, setWebsite] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<SummaryItem[]>([]);
  const [sending, setSending] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [photoErrors, setPhotoErrors] = useState<string[]>([]);
  const summary = useRef<HTMLDivElement>(null);
  const done = useRef<HTMLDivElement>(null);

  const latitude = parseNumber(lat);
  const longitude = parseNumber(lon);
  const picked =
    latitude !== null && longitude !== null && Number.isFinite(latitude) && Number.isFinite(longitude)
      ? { latitude, longitude }
      : null;

  function validate(): SummaryItem[] {
    const problems: SummaryItem[] = [];
    if (!category)
      problems.push({ fieldId: 'report-category', message: t('participation.report.needCategory') });
    if (description.trim().length < 10)
      problems.push({ fieldId: 'report-description', message: t('participation.report.needDescription') });
    if (
      (latitude !== null && !Number.isFinite(latitude)) ||
      (longitude !== null && !Number.isFinite(longitude))
    )
      problems.push({ fieldId: 'report-lat', message: t('participation.report.badCoordinates') });
    else if (!picked && !address.trim())
      problems.push({ fieldId: 'report-address', message: t('participation.report.needLocation') });
    return problems;
  }

  function messageOf(error: unknown): SummaryItem {
    if (error instanceof ApiError) {
      if (error.code === 'sent_too_fast') return { message: t('participation.report.tooFast') };
      if (error.code === 'too_many_requests') return { message: t('participation.report.tooMany') };
      if (error.code === 'report_not_routable') return { fieldId: 'report-address', message: error.message };
      return { message: error.message };
    }
    return { message: t('errors.generic') };
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = validate();
    setErrors(problems);
    if (problems.length > 0) {
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    setSending(true);
    try {
      const result = await api.post<Created>('/api/public/reports', {
        category,
        description: description.trim(),
        ...(picked ? picked : {}),
        ...(address.trim() ? { address: address.trim() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(email.trim() ? { email: email.trim() } : {}),
        ...(phone.trim() ? { phone: phone.trim() } : {}),
        website,
        startedAt,
      });
      const failed: string[] = [];
      for (const file of files.slice(0, 5)) {
        const response = await fetch(`/api/public/reports/tracking/${result.trackingToken}/photos`, {
          method: 'POST',
          headers: { 'content-type': file.type || 'application/octet-stream' },
          body: file,
        });
        if (!response.ok) {
          const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
          failed.push(
            t('participation.report.photoFailed', {
              name: file.name,
              reason: body?.error?.message ?? response.status,
            }),
          );
        }
      }
      setPhotoErrors(failed);
      setCreated(result);
      requestAnimationFrame(() => done.current?.focus());
    } catch (error) {
      setErrors([messageOf(error)]);
      requestAnimationFrame(() => summary.current?.focus());
    } finally {
      setSending(false);
    }
  }

  if (created) {
    const path = new URL(created.trackingUrl).pathname;
    return (
      <Page heading={t('participation.report.title')}>
        <Alert
          variant="success"
          role="status"
          ref={done}
          title={t('participation.report.thanksTitle', {
            number: created.number,
            municipality: created.municipalityName,
          })}
        >
          <p className="kern-body">{t('participation.report.thanksText')}</p>
          <p className="kern-body">
            <Link className="kern-link" to={path} data-testid="tracking-link">
              {created.trackingUrl}
            </Link>
          </p>
        </Alert>
        {photoErrors.map((message) => (
          <Alert key={message} variant="warning" title={message} />
        ))}
        <p>
          <a className="kern-link" href="/mitmachen/melden">
            {t('participation.report.another')}
          </a>
        </p>
      </Page>
    );
  }

  const errorFor = (id: string) => errors.find((e) => e.fieldId === id)?.message;

  return (
    <Page heading={t('participation.report.title')}>
      <p className="kern-body kern-body--large">{t('participation.report.lead')}</p>
      {errors.length > 0 && (
        <ErrorSummary
          title={t('participation.report.errorTitle')}
          items={errors}
          ref={summary}
          messageIdPrefix="report-errors"
        />
      )}
      <LoadGate state={categories} />
      {categories.status === 'ready' && (
        <form className="kern-stack-md srp-form" onSubmit={(e) => void submit(e)} noValidate>
          <div
            className={
              errorFor('report-category') ? 'kern-form-input kern-form-input--error' : 'kern-form-input'
            }
          >
            <label className="kern-label" htmlFor="report-category">
              {t('participation.report.category')}
            </label>
            <div className="kern-form-input__select-wrapper">
              <select
                id="report-category"
                className="kern-form-input__select"
                value={category}
                onChange={(e) => setCategory(e.target.value)}
                aria-invalid={errorFor('report-category') ? true : undefined}
              >
                <option value="">{t('participation.report.chooseCategory')}</option>
                {categories.data.categories.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
          </div>

          <div
            className={
              errorFor('report-description') ? 'kern-form-input kern-form-input--error' : 'kern-form-input'
            }
          >
            <label className="kern-label" htmlFor="report-description">
              {t('participation.report.description')}
            </label>
            <div className="kern-hint" id="report-description-hint">
              {t('participation.report.descriptionHint')}
            </div>
            <textarea
              id="report-description"
              className="kern-form-input__input"
              rows={4}
              maxLength={5000}
              value={description}
              aria-describedby="report-description-hint"
              aria-invalid={errorFor('report-description') ? true : undefined}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>

          <fieldset className="kern-fieldset kern-stack-sm">
            <legend className="kern-label">{t('participation.report.location')}</legend>
            <p className="kern-hint">{t('participation.report.mapHint')}</p>
            {boundaries.status === 'ready' && (
              <Suspense fallback={<Loading />}>
                <ReportMap
                  label={t('participation.report.mapLabel')}
                  boundaries={boundaries.data}
                  picked={picked}
                  onPick={(la, lo) => {
                    setLat(la.toFixed(6));
                    setLon(lo.toFixed(6));
                  }}
                />
              </Suspense>
            )}
            {picked && (
              <p className="kern-body" role="status">
                {t('participation.report.picked', {
                  lat: picked.latitude.toFixed(5),
                  lon: picked.longitude.toFixed(5),
                })}
              </p>
            )}
            <AddressCombobox
              id="report-address"
              label={t('participation.report.address')}
              value={address}
              error={errorFor('report-address')}
              onChange={setAddress}
              onChoose={(s) => {
                setLat(s.latitude.toFixed(6));
                setLon(s.longitude.toFixed(6));
              }}
            />
            <div className="srp-two-columns">
              <TextField
                id="report-lat"
                label={t('participation.report.latitude')}
                value={lat}
                inputMode="decimal"
                error={errorFor('report-lat')}
                onChange={(e) => setLat(e.target.value)}
              />
              <TextField
                id="report-lon"
                label={t('participation.report.longitude')}
                value={lon}
                inputMode="decimal"
                onChange={(e) => setLon(e.target.value)}
              />
            </div>
          </fieldset>

          <div className="kern-form-input">
            <label className="kern-label" htmlFor="report-photos">
              {t('participation.report.photo')}
            </label>
            <div className="kern-hint" id="report-photos-hint">
              {t('participation.report.photoHint')}
            </div>
            <input
              id="report-photos"
              type="file"
              accept="image/jpeg,image/png"
              multiple
              aria-describedby="report-photos-hint"
              onChange={(e) => setFiles([...(e.target.files ?? [])])}
            />
          </div>

          <fieldset className="kern-fieldset kern-stack-sm">
            <legend className="kern-label">{t('participation.report.contact')}</legend>
            <TextField
              id="report-name"
              label={t('participation.report.name')}
              value={name}
              autoComplete="name"
              onChange={(e) => setName(e.target.value)}
            />
            <TextField
              id="report-email"
              type="email"
              label={t('participation.report.email')}
              value={email}
              autoComplete="email"
              onChange={(e) => setEmail(e.target.value)}
            />
            <TextField
              id="report-phone"
              type="tel"
              label={t('participation.report.phone')}
              value={phone}
              autoComplete="tel"
              onChange={(e) => setPhone(e.target.value)}
            />
          </fieldset>
          <Honeypot id="report-website" value={website} onChange={setWebsite} />

          <button type="submit" className="kern-btn kern-btn--primary" disabled={sending}>
            <span className="kern-label">
              {sending ? t('participation.report.sending') : t('participation.report.submit')}
            </span>
          </button>
        </form>
      )}
    </Page>
  );
}
