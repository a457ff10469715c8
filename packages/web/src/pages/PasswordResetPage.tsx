import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.js';
import { LOGIN_PATH } from '../paths.js';
import { Alert } from '../layout/Alert.js';
import { ErrorSummary, TextField } from '../layout/forms.js';
import { Page } from '../page.js';

const EMAIL_FIELD = 'reset-email';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Outcome = 'idle' | 'invalid' | 'sent' | 'failed';

export default function PasswordResetPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [outcome, setOutcome] = useState<Outcome>('idle');
  const [submitting, setSubmitting] = useState(false);
  const [attempts, setAttempts] = useState(0);
  const feedback = useRef<HTMLDivElement>(null);

  // Every submit ends with focus on its feedback, so the result is announced whatever it is.
  useEffect(() => {
    if (attempts > 0) feedback.current?.focus();
  }, [attempts]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const trimmed = email.trim();
    const error =
      trimmed === ''
        ? t('login.emailRequired')
        : EMAIL_SHAPE.test(trimmed)
          ? undefined
          : t('login.emailInvalid');
    setEmailError(error);
    if (error) {
      setOutcome('invalid');
      setAttempts((count) => count + 1);
      return;
    }
    setSubmitting(true);
    try {
      // Any 2xx counts: the server never reveals whether the address has an account.
      await api.post<unknown>('/api/auth/password-reset/request', { email: trimmed });
      setOutcome('sent');
    } catch {
      setOutcome('failed');
    } finally {
      setSubmitting(false);
      setAttempts((count) => count + 1);
    }
  }

  return (
    <Page heading={t('passwordReset.title')}>
      {outcome === 'invalid' && emailError && (
        <ErrorSummary
          ref={feedback}
          title={t('login.errorSummary')}
          items={[{ fieldId: EMAIL_FIELD, message: emailError }]}
          messageIdPrefix="reset-errors"
        />
      )}
      {outcome === 'failed' && (
        <Alert ref={feedback} variant="danger" title={t('passwordReset.failedTitle')}>
          <p className="kern-body">{t('passwordReset.failedText')}</p>
        </Alert>
      )}
      {outcome === 'sent' ? (
        <Alert ref={feedback} variant="success" title={t('passwordReset.sentTitle')}>
          <p className="kern-body">{t('passwordReset.sentText')}</p>
        </Alert>
      ) : (
        <form noValidate onSubmit={(event) => void submit(event)} className="kern-stack-md srp-form">
          <p className="kern-body">{t('passwordReset.lead')}</p>
          <TextField
            id={EMAIL_FIELD}
            label={t('login.email')}
            type="email"
            name="email"
            autoComplete="email"
            inputMode="email"
            spellCheck={false}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            error={emailError}
          />
          <div className="srp-form__actions">
            <button
              type="submit"
              className="kern-btn kern-btn--primary"
              aria-disabled={submitting || undefined}
            >
              <span className="kern-label">{t('passwordReset.submit')}</span>
            </button>
          </div>
        </form>
      )}
      <p className="kern-body">
        <Link to={LOGIN_PATH} className="kern-link">
          <span className="kern-icon kern-icon--arrow-back kern-icon--small" aria-hidden="true" />
          {t('passwordReset.backToLogin')}
        </Link>
      </p>
    </Page>
  );
}
