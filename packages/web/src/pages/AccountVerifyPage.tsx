// The landing pages of the links in the account mails: confirming a new account (/konto-bestaetigen) or a
// new e-mail address (/konto/email-bestaetigen). The token is sent once, then dropped from the address bar.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api } from '../api.js';
import { Alert } from '../layout/Alert.js';
import { TextField } from '../layout/forms.js';
import { Page } from '../page.js';
import { LOGIN_PATH } from '../paths.js';
import { useSession } from '../session.js';

type Outcome = { state: 'working' } | { state: 'done'; email: string } | { state: 'invalid' };

function forgetTokenInAddressBar(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

export default function AccountVerifyPage({ kind }: { kind: 'registration' | 'email' }) {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [searchParams] = useSearchParams();
  const [token] = useState(() => searchParams.get('token')?.trim() ?? '');
  const [outcome, setOutcome] = useState<Outcome>(token ? { state: 'working' } : { state: 'invalid' });
  const sent = useRef(false);
  const feedback = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Once only (React's development double effect must not use the single-use token twice).
    if (!token || sent.current) return;
    sent.current = true;
    const request =
      kind === 'registration'
        ? api.post<{ email: string }>('/api/auth/register/verify', { token })
        : api.post<void>('/api/auth/email-change/confirm', { token }).then(() => ({ email: '' }));
    void request.then(
      (result) => {
        setOutcome({ state: 'done', email: result.email });
        if (kind === 'email') void refresh();
      },
      () => setOutcome({ state: 'invalid' }),
    );
    forgetTokenInAddressBar();
  }, [token, kind, refresh]);

  useEffect(() => {
    if (outcome.state !== 'working') feedback.current?.focus();
  }, [outcome.state]);

  const title = kind === 'registration' ? t('verify.title') : t('emailConfirm.title');
  return (
    <Page heading={title}>
      {outcome.state === 'working' && (
        <p className="kern-body" role="status">
          {t('verify.working')}
        </p>
      )}
      {outcome.state === 'done' && (
        <Alert
          ref={feedback}
          variant="success"
          title={kind === 'registration' ? t('verify.doneTitle') : t('emailConfirm.doneTitle')}
        >
          <p className="kern-body">
            {kind === 'registration'
              ? t('verify.doneText', { email: outcome.email })
              : t('emailConfirm.doneText')}
          </p>
          {kind === 'registration' && (
            <p className="kern-body">
              <Link to={LOGIN_PATH} className="kern-link">
                {t('verify.toLogin')}
              </Link>
            </p>
          )}
        </Alert>
      )}
      {outcome.state === 'invalid' && (
        <>
          <Alert ref={feedback} variant="danger" title={t('verify.invalidTitle')}>
            <p className="kern-body">{t('verify.invalidText')}</p>
            <p className="kern-body">
              <Link to={LOGIN_PATH} className="kern-link">
                {t('verify.toLogin')}
              </Link>
            </p>
          </Alert>
          {kind === 'registration' && <ResendForm />}
        </>
      )}
    </Page>
  );
}

function ResendForm() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (email.trim() === '') {
      setError(t('register.emailRequired'));
      return;
    }
    setError(undefined);
    try {
      await api.post('/api/auth/register/resend', { email: email.trim() });
      setDone(true);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.code === 'too_many_requests'
          ? t('register.tooManyAttempts')
          : t('register.emailInvalid'),
      );
    }
  }

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="kern-stack-md srp-form">
      <TextField
        id="verify-resend-email"
        label={t('verify.resendEmail')}
        type="email"
        autoComplete="email"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={error}
      />
      {done && (
        <p className="kern-body" role="status">
          {t('register.resent')}
        </p>
      )}
      <div className="srp-form__actions">
        <button type="submit" className="kern-btn kern-btn--secondary">
          <span className="kern-label">{t('register.resend')}</span>
        </button>
      </div>
    </form>
  );
}
