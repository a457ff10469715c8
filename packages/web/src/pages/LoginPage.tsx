import type { AuthProviders } from '@srp/contracts';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, api } from '../api.js';
import { safeNextPath, ssoStartUrl } from '../paths.js';
import { Alert } from '../layout/Alert.js';
import { CheckboxField, ErrorSummary, type SummaryItem, TextField } from '../layout/forms.js';
import { Page } from '../page.js';
import { useSession } from '../session.js';

const EMAIL_FIELD = 'login-email';
const PASSWORD_FIELD = 'login-password';
const SUMMARY_PREFIX = 'login-errors';
// Deliberately loose: the server decides; this only catches obvious slips like a missing "@".
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface FieldErrors {
  email?: string;
  password?: string;
}

export default function LoginPage() {
  const { t } = useTranslation();
  const { session, login } = useSession();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const next = safeNextPath(searchParams.get('next'));
  // The server sends a failed single sign-on back here with ?fehler=sso.
  const ssoFailed = searchParams.get('fehler') === 'sso';

  const [providers, setProviders] = useState<AuthProviders>({ local: true, oidc: null });
  // The SSO failure message names the provider, so it waits for the list (or for its failure).
  const [providersKnown, setProvidersKnown] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);
  // Counts failed submits so the summary is focused again even when the same error repeats.
  const [failedAttempts, setFailedAttempts] = useState(0);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let active = true;
    api.get<AuthProviders>('/api/auth/providers').then(
      (result) => {
        if (!active) return;
        setProviders(result);
        setProvidersKnown(true);
      },
      () => {
        // Without the list the password form is still the safe default.
        if (active) setProvidersKnown(true);
      },
    );
    return () => {
      active = false;
    };
  }, []);

  useEffect(() => {
    if (failedAttempts > 0) summary.current?.focus();
  }, [failedAttempts]);

  function validate(): FieldErrors {
    const errors: FieldErrors = {};
    const trimmed = email.trim();
    if (trimmed === '') errors.email = t('login.emailRequired');
    else if (!EMAIL_SHAPE.test(trimmed)) errors.email = t('login.emailInvalid');
    if (password === '') errors.password = t('login.passwordRequired');
    return errors;
  }

  function messageFor(error: unknown): string {
    if (!(error instanceof ApiError)) return t('login.unavailable');
    if (error.code === 'invalid_credentials') return t('login.invalidCredentials');
    if (error.code === 'too_many_requests') {
      return error.retryAfterSeconds === undefined
        ? t('login.tooManyAttemptsLater')
        : t('login.tooManyAttempts', { count: Math.max(1, Math.ceil(error.retryAfterSeconds / 60)) });
    }
    if (error.code === 'validation_failed') return t('login.errorSummary');
    return t('login.unavailable');
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const errors = validate();
    setFieldErrors(errors);
    setFormError(undefined);
    if (errors.email || errors.password) {
      setFailedAttempts((count) => count + 1);
      return;
    }
    setSubmitting(true);
    try {
      await login({ email: email.trim(), password });
      await navigate(next, { replace: true });
    } catch (error) {
      setFormError(messageFor(error));
      setFailedAttempts((count) => count + 1);
    } finally {
      setSubmitting(false);
    }
  }

  const summaryItems: SummaryItem[] = formError
    ? [{ message: formError }]
    : [
        ...(fieldErrors.email ? [{ fieldId: EMAIL_FIELD, message: fieldErrors.email }] : []),
        ...(fieldErrors.password ? [{ fieldId: PASSWORD_FIELD, message: fieldErrors.password }] : []),
      ];
  // A wrong e-mail/password pair is about both fields; tie the message to each without marking either invalid.
  const formErrorId = formError ? `${SUMMARY_PREFIX}-0` : undefined;

  return (
    <Page heading={t('login.title')}>
      {session.user && (
        <Alert variant="info" title={t('login.alreadySignedIn', { name: session.user.displayName })}>
          <p className="kern-body">
            <Link to="/" className="kern-link">
              {t('common.backToStart')}
            </Link>
          </p>
        </Alert>
      )}
      {ssoFailed && providersKnown && summaryItems.length === 0 && (
        <Alert
          variant="danger"
          role="alert"
          title={t('login.ssoFailedTitle', {
            provider: providers.oidc?.label ?? t('login.ssoFallbackProvider'),
          })}
        >
          <p className="kern-body">{t('login.ssoFailedText')}</p>
        </Alert>
      )}
      {summaryItems.length > 0 && (
        <ErrorSummary
          ref={summary}
          title={formError ? t('login.failedSummary') : t('login.errorSummary')}
          items={summaryItems}
          messageIdPrefix={SUMMARY_PREFIX}
        />
      )}
      {providers.local && (
        <form noValidate onSubmit={(event) => void submit(event)} className="kern-stack-md srp-form">
          <p className="kern-body">{t('login.lead')}</p>
          <TextField
            id={EMAIL_FIELD}
            label={t('login.email')}
            type="email"
            name="email"
            autoComplete="username"
            inputMode="email"
            spellCheck={false}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            error={fieldErrors.email}
            describedBy={formErrorId}
          />
          <TextField
            id={PASSWORD_FIELD}
            label={t('login.password')}
            type={showPassword ? 'text' : 'password'}
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            error={fieldErrors.password}
            describedBy={formErrorId}
          />
          <CheckboxField
            id="login-show-password"
            label={t('login.showPassword')}
            checked={showPassword}
            onChange={setShowPassword}
          />
          <div className="srp-form__actions">
            <button
              type="submit"
              className="kern-btn kern-btn--primary"
              aria-disabled={submitting || undefined}
            >
              <span className="kern-label">{submitting ? t('login.submitting') : t('login.submit')}</span>
            </button>
            <Link to="/passwort-vergessen" className="kern-link">
              {t('login.forgotPassword')}
            </Link>
          </div>
          <p className="kern-body">
            <Link to="/konto-erstellen" className="kern-link">
              {t('register.linkFromLogin')}
            </Link>
          </p>
        </form>
      )}
      {providers.oidc && (
        <div className="kern-stack-sm">
          {providers.local && <p className="kern-body kern-body--bold">{t('login.or')}</p>}
          <p>
            <a
              href={ssoStartUrl(providers.oidc.startUrl, searchParams.get('next'))}
              className="kern-btn kern-btn--secondary"
            >
              <span className="kern-label">{providers.oidc.label}</span>
            </a>
          </p>
        </div>
      )}
      {providers.saml && (
        <p>
          <a
            href={ssoStartUrl(providers.saml.startUrl, searchParams.get('next'))}
            className="kern-btn kern-btn--secondary"
          >
            <span className="kern-label">{providers.saml.label}</span>
          </a>
        </p>
      )}
    </Page>
  );
}
