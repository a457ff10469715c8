// "Konto erstellen": a citizen account with double opt-in. The server answers the same for every address
// (no enumeration), so the page always ends in "check your mailbox", with a way to ask for a new link.
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordProblem } from '@srp/contracts';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, api } from '../api.js';
import { Alert } from '../layout/Alert.js';
import { ErrorSummary, type SummaryItem, TextField } from '../layout/forms.js';
import { NewPasswordFields } from '../layout/NewPasswordFields.js';
import { Page } from '../page.js';
import { allMunicipalities, useRegions } from '../regions.js';

const NAME_FIELD = 'register-name';
const EMAIL_FIELD = 'register-email';
const MUNICIPALITY_FIELD = 'register-municipality';
const PASSWORD_FIELD = 'register-password';
const REPEAT_FIELD = 'register-repeat';
const SUMMARY_PREFIX = 'register-errors';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Field = 'name' | 'email' | 'municipality' | 'password' | 'repeat';
type FieldErrors = Partial<Record<Field, string>>;

const PROBLEM_KEYS = {
  too_short: 'passwordResetConfirm.tooShort',
  too_long: 'passwordResetConfirm.tooLong',
  contains_email: 'passwordResetConfirm.containsEmail',
  too_few_different: 'passwordResetConfirm.tooFewDifferent',
} as const satisfies Record<PasswordProblem, string>;

export default function RegisterPage() {
  const { t, i18n } = useTranslation();
  const regions = useRegions();
  const municipalities = useMemo(
    () => (regions.status === 'ready' ? allMunicipalities(regions.regions) : []),
    [regions],
  );
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [municipalityId, setMunicipalityId] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [resent, setResent] = useState(false);
  const [attempts, setAttempts] = useState(0);
  const feedback = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (attempts > 0) feedback.current?.focus();
  }, [attempts]);

  function validate(): FieldErrors {
    const errors: FieldErrors = {};
    if (name.trim() === '') errors.name = t('register.nameRequired');
    const trimmed = email.trim();
    if (trimmed === '') errors.email = t('register.emailRequired');
    else if (!EMAIL_SHAPE.test(trimmed)) errors.email = t('register.emailInvalid');
    if (municipalityId === '') errors.municipality = t('register.municipalityRequired');
    if (password === '') errors.password = t('passwordResetConfirm.newRequired');
    else if (password.length < PASSWORD_MIN_LENGTH)
      errors.password = t('passwordResetConfirm.tooShort', { count: [...password].length });
    else if (password.length > PASSWORD_MAX_LENGTH) errors.password = t('passwordResetConfirm.tooLong');
    if (repeat === '') errors.repeat = t('passwordResetConfirm.repeatRequired');
    else if (repeat !== password) errors.repeat = t('passwordResetConfirm.repeatMismatch');
    return errors;
  }

  function passwordProblems(error: ApiError): string {
    const problems = Array.isArray(error.details?.problems) ? (error.details.problems as unknown[]) : [];
    const messages = problems.map((p) =>
      typeof p === 'string' && Object.hasOwn(PROBLEM_KEYS, p)
        ? t(PROBLEM_KEYS[p as PasswordProblem], { count: [...password].length })
        : t('passwordResetConfirm.notAccepted'),
    );
    return messages.length > 0 ? [...new Set(messages)].join(' ') : t('register.failed');
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const errors = validate();
    setFieldErrors(errors);
    setFormError(undefined);
    if (Object.keys(errors).length > 0) {
      setAttempts((count) => count + 1);
      return;
    }
    setSubmitting(true);
    try {
      await api.post('/api/auth/register', {
        email: email.trim(),
        displayName: name.trim(),
        password,
        municipalityId,
        locale: i18n.language.startsWith('en') ? 'en' : 'de',
      });
      setSentTo(email.trim());
      setPassword('');
      setRepeat('');
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed' && error.details?.problems) {
        setFieldErrors({ password: passwordProblems(error) });
      } else if (error instanceof ApiError && error.code === 'too_many_requests') {
        setFormError(t('register.tooManyAttempts'));
      } else {
        setFormError(t('register.failed'));
      }
    } finally {
      setSubmitting(false);
      setAttempts((count) => count + 1);
    }
  }

  async function resend() {
    if (!sentTo) return;
    try {
      await api.post('/api/auth/register/resend', { email: sentTo });
      setResent(true);
    } catch (error) {
      setFormError(
        error instanceof ApiError && error.code === 'too_many_requests'
          ? t('register.tooManyAttempts')
          : t('register.failed'),
      );
    }
    setAttempts((count) => count + 1);
  }

  if (sentTo) {
    return (
      <Page heading={t('register.title')}>
        <Alert ref={feedback} variant="success" title={t('register.sentTitle')}>
          <p className="kern-body">{t('register.sentText', { email: sentTo })}</p>
        </Alert>
        <p className="kern-body">{t('register.noMail')}</p>
        {formError && <Alert variant="danger" role="alert" title={formError} />}
        {resent && (
          <p className="kern-body" role="status">
            {t('register.resent')}
          </p>
        )}
        <p>
          <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void resend()}>
            <span className="kern-label">{t('register.resend')}</span>
          </button>
        </p>
      </Page>
    );
  }

  const order: Field[] = ['name', 'email', 'municipality', 'password', 'repeat'];
  const ids: Record<Field, string> = {
    name: NAME_FIELD,
    email: EMAIL_FIELD,
    municipality: MUNICIPALITY_FIELD,
    password: PASSWORD_FIELD,
    repeat: REPEAT_FIELD,
  };
  const summaryItems: SummaryItem[] = formError
    ? [{ message: formError }]
    : order.flatMap((f) => (fieldErrors[f] ? [{ fieldId: ids[f], message: fieldErrors[f] }] : []));
  const municipalityError = fieldErrors.municipality;

  return (
    <Page heading={t('register.title')}>
      {summaryItems.length > 0 && (
        <ErrorSummary
          ref={feedback}
          title={t('register.errorSummary')}
          items={summaryItems}
          messageIdPrefix={SUMMARY_PREFIX}
        />
      )}
      <form noValidate onSubmit={(event) => void submit(event)} className="kern-stack-md srp-form">
        <p className="kern-body">{t('register.lead')}</p>
        <TextField
          id={NAME_FIELD}
          label={t('register.name')}
          name="name"
          autoComplete="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={fieldErrors.name}
        />
        <TextField
          id={EMAIL_FIELD}
          label={t('register.email')}
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={fieldErrors.email}
        />
        <div className={municipalityError ? 'kern-form-input kern-form-input--error' : 'kern-form-input'}>
          <label className="kern-label" htmlFor={MUNICIPALITY_FIELD}>
            {t('register.municipality')}
          </label>
          <div className="kern-form-input__select-wrapper">
            <select
              id={MUNICIPALITY_FIELD}
              className="kern-form-input__select"
              value={municipalityId}
              aria-invalid={municipalityError ? true : undefined}
              aria-describedby={municipalityError ? `${MUNICIPALITY_FIELD}-error` : undefined}
              onChange={(event) => setMunicipalityId(event.target.value)}
            >
              <option value="">{t('register.chooseMunicipality')}</option>
              {municipalities.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </div>
          {municipalityError && (
            <p className="kern-error" id={`${MUNICIPALITY_FIELD}-error`}>
              <span className="kern-icon kern-icon--danger" aria-hidden="true" />
              <span className="kern-body">{municipalityError}</span>
            </p>
          )}
        </div>
        <NewPasswordFields
          idPrefix="register"
          labels={{
            password: t('register.password'),
            repeat: t('register.repeatPassword'),
            show: t('register.showPasswords'),
          }}
          password={password}
          repeat={repeat}
          onPasswordChange={setPassword}
          onRepeatChange={setRepeat}
          passwordError={fieldErrors.password}
          repeatError={fieldErrors.repeat}
        />
        <p className="kern-body">
          {t('register.privacy')}{' '}
          <Link to="/datenschutz" className="kern-link">
            {t('register.privacyLink')}
          </Link>
        </p>
        <div className="srp-form__actions">
          <button
            type="submit"
            className="kern-btn kern-btn--primary"
            aria-disabled={submitting || undefined}
          >
            <span className="kern-label">{submitting ? t('register.submitting') : t('register.submit')}</span>
          </button>
        </div>
      </form>
    </Page>
  );
}
