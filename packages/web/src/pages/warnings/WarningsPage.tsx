// /warnungen: the public warnings in force, and subscribing to a municipality's warnings by e-mail
// (double opt-in: ?bestaetigen=<token>; the mails' unsubscribe link: ?abmelden=<token>) or Web Push.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { allMunicipalities, useRegions } from '../../regions.js';
import { formatTime, useJson } from '../rules/shared.js';
import { WarningArea, type WarningAreaShape } from './WarningArea.js';

interface Warning {
  id: string;
  municipalityName: string;
  level: 'minor' | 'moderate' | 'severe' | 'extreme';
  title: string;
  text: string;
  areaDescription: string | null;
  area: WarningAreaShape | null;
  validFrom: string;
  validUntil: string | null;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Turns the base64url VAPID key into the bytes PushManager.subscribe wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 =
    base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export default function WarningsPage() {
  const { t, i18n } = useTranslation();
  const warnings = useJson<{ warnings: Warning[] }>('/api/public/warnings');
  const regions = useRegions();
  const municipalities = regions.status === 'ready' ? allMunicipalities(regions.regions) : [];
  const [municipalityId, setMunicipalityId] = useState('');
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [notice, setNotice] = useState<{ variant: 'success' | 'danger' | 'info'; text: string } | null>(null);
  const [params, setParams] = useSearchParams();

  useEffect(() => {
    if (!municipalityId && municipalities[0]) setMunicipalityId(municipalities[0].id);
  }, [municipalities, municipalityId]);

  // Links from the e-mails: confirm the subscription, or unsubscribe.
  useEffect(() => {
    const confirm = params.get('bestaetigen');
    const leave = params.get('abmelden');
    if (!confirm && !leave) return;
    setParams({}, { replace: true });
    if (confirm)
      api.post('/api/public/warning-subscriptions/confirm', { token: confirm }).then(
        () => setNotice({ variant: 'success', text: t('rules.warnings.confirmed') }),
        () => setNotice({ variant: 'danger', text: t('rules.warnings.confirmFailed') }),
      );
    if (leave)
      api.post('/api/public/warning-subscriptions/unsubscribe', { token: leave }).then(
        () => setNotice({ variant: 'success', text: t('rules.warnings.unsubscribed') }),
        () => setNotice({ variant: 'danger', text: t('rules.warnings.failed') }),
      );
  }, [params, setParams, t]);

  async function subscribeEmail(event: FormEvent) {
    event.preventDefault();
    if (!EMAIL_SHAPE.test(email.trim())) {
      setEmailError(t('rules.warnings.emailInvalid'));
      return;
    }
    setEmailError(undefined);
    try {
      await api.post('/api/public/warning-subscriptions', { municipalityId, email: email.trim() });
      setNotice({ variant: 'success', text: t('rules.warnings.subscribeSent') });
      setEmail('');
    } catch {
      setNotice({ variant: 'danger', text: t('rules.warnings.failed') });
    }
  }

  async function subscribePush() {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      setNotice({ variant: 'info', text: t('rules.warnings.pushUnsupported') });
      return;
    }
    try {
      if ((await Notification.requestPermission()) !== 'granted') {
        setNotice({ variant: 'info', text: t('rules.warnings.pushDenied') });
        return;
      }
      const registration = await navigator.serviceWorker.register('/sw.js');
      const { publicKey } = await api.get<{ publicKey: string }>('/api/public/webpush/key');
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      });
      await api.post('/api/public/warning-subscriptions/push', {
        municipalityId,
        subscription: subscription.toJSON(),
      });
      setNotice({ variant: 'success', text: t('rules.warnings.pushOn') });
    } catch {
      setNotice({ variant: 'danger', text: t('rules.warnings.failed') });
    }
  }

  return (
    <Page heading={t('rules.warnings.title')}>
      <p className="kern-body kern-body--large">{t('rules.warnings.lead')}</p>
      <div aria-live="polite">{notice && <Alert variant={notice.variant} title={notice.text} />}</div>
      {warnings.status === 'loading' && <Loading />}
      {warnings.status === 'error' && <Alert variant="danger" title={t('rules.common.loadFailed')} />}
      {warnings.status === 'ready' &&
        (warnings.data.warnings.length === 0 ? (
          <p className="kern-body">{t('rules.warnings.none')}</p>
        ) : (
          <ul className="kern-stack-sm srp-list" aria-label={t('rules.warnings.title')}>
            {warnings.data.warnings.map((w) => (
              <li key={w.id}>
                <Alert
                  variant={w.level === 'minor' ? 'info' : w.level === 'moderate' ? 'warning' : 'danger'}
                  title={`${t(`rules.level.${w.level}`)}: ${w.title} – ${w.municipalityName}`}
                >
                  <p className="kern-body">{w.text}</p>
                  {w.area ? (
                    <WarningArea area={w.area} description={w.areaDescription} />
                  ) : (
                    w.areaDescription && (
                      <p className="kern-body kern-body--small">
                        {t('rules.warnings.area')}: {w.areaDescription}
                      </p>
                    )
                  )}
                  <p className="kern-body kern-body--small">
                    {t('rules.warnings.validFrom')} {formatTime(w.validFrom, i18n.language)}
                    {w.validUntil &&
                      ` ${t('rules.warnings.validUntil')} ${formatTime(w.validUntil, i18n.language)}`}
                  </p>
                </Alert>
              </li>
            ))}
          </ul>
        ))}

      <section aria-labelledby="warnings-subscribe" className="kern-stack-sm">
        <h2 id="warnings-subscribe" className="kern-heading-medium">
          {t('rules.warnings.subscribe')}
        </h2>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="warnings-municipality">
            {t('rules.common.municipality')}
          </label>
          <div className="kern-form-input__select-wrapper">
            <select
              id="warnings-municipality"
              className="kern-form-input__select"
              value={municipalityId}
              onChange={(e) => setMunicipalityId(e.target.value)}
            >
              {municipalities.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <form noValidate onSubmit={(e) => void subscribeEmail(e)} className="kern-stack-sm srp-form">
          <TextField
            id="warnings-email"
            label={t('rules.warnings.email')}
            type="email"
            autoComplete="email"
            inputMode="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={emailError}
          />
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('rules.warnings.subscribeEmail')}</span>
            </button>
          </div>
        </form>
        <h3 className="kern-heading-small">{t('rules.warnings.push')}</h3>
        <div className="srp-form__actions">
          <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void subscribePush()}>
            <span className="kern-label">{t('rules.warnings.subscribePush')}</span>
          </button>
        </div>
      </section>
    </Page>
  );
}
