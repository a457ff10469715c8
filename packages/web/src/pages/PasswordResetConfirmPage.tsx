// The page behind the link in the password reset mail: a new password, typed twice, sent together with the
// token from the link. The token lives in component state; the address bar loses it once it is no use.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_DIFFERENT_CHARACTERS,
  PASSWORD_MIN_LENGTH,
  type PasswordProblem,
} from '@srp/contracts';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api } from '../api.js';
import { Alert } from '../layout/Alert.js';
import { ErrorSummary, type SummaryItem } from '../layout/forms.js';
import { NewPasswordFields } from '../layout/NewPasswordFields.js';
import { Page } from '../page.js';
import { LOGIN_PATH, REQUEST_RESET_PATH } from '../paths.js';
import { useSession } from '../session.js';

const NEW_FIELD = 'reset-password';
const REPEAT_FIELD = 'reset-repeat';
const SUMMARY_PREFIX = 'reset-confirm-errors';

// The policy comes from @srp/contracts, the same code the server checks with. The server names each
// problem by a stable code in error.details.problems; an unknown code still gets a plain message.
const MIN_LENGTH = PASSWORD_MIN_LENGTH;
const MAX_LENGTH = PASSWORD_MAX_LENGTH;
const MIN_DIFFERENT = PASSWORD_MIN_DIFFERENT_CHARACTERS;

type ProblemKey = 'tooShort' | 'tooLong' | 'containsEmail' | 'tooFewDifferent';
const SERVER_PROBLEMS: Readonly<Record<PasswordProblem, ProblemKey>> = {
  too_short: 'tooShort',
  too_long: 'tooLong',
  contains_email: 'containsEmail',
  too_few_different: 'tooFewDifferent',
};

type Outcome = 'form' | 'done' | 'invalid';

interface FieldErrors {
  newPassword?: string[];
  repeat?: string;
}

/** Removes the token from the address bar without a router navigation (which would move the focus). */
function forgetTokenInAddressBar(): void {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

export default function PasswordResetConfirmPage() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  const [searchParams] = useSearchParams();
  // Read once: the address bar is cleaned later, and the form must keep working with the same link.
  const [token] = useState(() => searchParams.get('token')?.trim() ?? '');

  const [outcome, setOutcome] = useState<Outcome>(token === '' ? 'invalid' : 'form');
  const [newPassword, setNewPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);
  // Bumped after every submit that ends in a message, so the message is focused even when it repeats.
  const [attempts, setAttempts] = useState(0);
  const feedback = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (attempts > 0) feedback.current?.focus();
  }, [attempts]);

  function validate(): FieldErrors {
    const errors: FieldErrors = {};
    if (newPassword === '') errors.newPassword = [t('passwordResetConfirm.newRequired')];
    else {
      const problems: string[] = [];
      // Count characters as a person sees them (an emoji is one), like the server's Set of the string.
      const length = [...newPassword].length;
      if (newPassword.length < MIN_LENGTH) {
        problems.push(t('passwordResetConfirm.tooShort', { count: length }));
      }
      if (newPassword.length > MAX_LENGTH) problems.push(t('passwordResetConfirm.tooLong'));
      // One thing at a time: the variety only matters once the length is right.
      if (problems.length === 0 && new Set(newPassword).size < MIN_DIFFERENT) {
        problems.push(t('passwordResetConfirm.tooFewDifferent'));
      }
      if (problems.length > 0) errors.newPassword = problems;
    }
    if (repeat === '') errors.repeat = t('passwordResetConfirm.repeatRequired');
    else if (repeat !== newPassword) errors.repeat = t('passwordResetConfirm.repeatMismatch');
    return errors;
  }

  function serverProblems(error: ApiError): string[] {
    const problems = error.details?.problems;
    const list = Array.isArray(problems) ? problems.filter((p): p is string => typeof p === 'string') : [];
    const messages = list.map((problem) => {
      const key = Object.hasOwn(SERVER_PROBLEMS, problem)
        ? SERVER_PROBLEMS[problem as PasswordProblem]
        : undefined;
      if (key === undefined) return t('passwordResetConfirm.notAccepted');
      if (key === 'tooShort') return t('passwordResetConfirm.tooShort', { count: [...newPassword].length });
      return t(`passwordResetConfirm.${key}`);
    });
    const unique = [...new Set(messages)];
    return unique.length > 0 ? unique : [t('passwordResetConfirm.notAccepted')];
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const errors = validate();
    setFieldErrors(errors);
    setFormError(undefined);
    if (errors.newPassword || errors.repeat) {
      setAttempts((count) => count + 1);
      return;
    }
    setSubmitting(true);
    try {
      await api.post<void>('/api/auth/password-reset/confirm', { token, newPassword });
      setOutcome('done');
      setNewPassword('');
      setRepeat('');
      forgetTokenInAddressBar();
      // The server ended every session of the account, possibly this browser's own.
      void refresh();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'reset_token_invalid') {
        setOutcome('invalid');
        forgetTokenInAddressBar();
      } else if (error instanceof ApiError && error.code === 'validation_failed') {
        setFieldErrors({ newPassword: serverProblems(error) });
      } else if (error instanceof ApiError && error.code === 'too_many_requests') {
        setFormError(t('passwordResetConfirm.tooManyAttempts'));
      } else {
        setFormError(t('passwordResetConfirm.failed'));
      }
    } finally {
      setSubmitting(false);
      setAttempts((count) => count + 1);
    }
  }

  const summaryItems: SummaryItem[] = formError
    ? [{ message: formError }]
    : [
        ...(fieldErrors.newPassword ?? []).map((message) => ({ fieldId: NEW_FIELD, message })),
        ...(fieldErrors.repeat ? [{ fieldId: REPEAT_FIELD, message: fieldErrors.repeat }] : []),
      ];

  return (
    <Page heading={t('passwordResetConfirm.title')}>
      {outcome === 'done' && (
        <Alert ref={feedback} variant="success" title={t('passwordResetConfirm.doneTitle')}>
          <p className="kern-body">{t('passwordResetConfirm.doneText')}</p>
          <p className="kern-body">
            <Link to={LOGIN_PATH} className="kern-link">
              {t('passwordResetConfirm.toLogin')}
            </Link>
          </p>
        </Alert>
      )}
      {outcome === 'invalid' && (
        <Alert ref={feedback} variant="danger" title={t('passwordResetConfirm.invalidTitle')}>
          <p className="kern-body">{t('passwordResetConfirm.invalidText')}</p>
          <p className="kern-body">
            <Link to={REQUEST_RESET_PATH} className="kern-link">
              {t('passwordResetConfirm.requestNew')}
            </Link>
          </p>
        </Alert>
      )}
      {outcome === 'form' && (
        <>
          {summaryItems.length > 0 && (
            <ErrorSummary
              ref={feedback}
              title={t('passwordResetConfirm.errorSummary')}
              items={summaryItems}
              messageIdPrefix={SUMMARY_PREFIX}
            />
          )}
          <form noValidate onSubmit={(event) => void submit(event)} className="kern-stack-md srp-form">
            <p className="kern-body">{t('passwordResetConfirm.lead')}</p>
            <NewPasswordFields
              idPrefix="reset"
              labels={{
                password: t('passwordResetConfirm.newPassword'),
                repeat: t('passwordResetConfirm.repeatPassword'),
                show: t('passwordResetConfirm.showPasswords'),
              }}
              password={newPassword}
              repeat={repeat}
              onPasswordChange={setNewPassword}
              onRepeatChange={setRepeat}
              passwordError={fieldErrors.newPassword?.join(' ')}
              repeatError={fieldErrors.repeat}
              showTip
            />
            <div className="srp-form__actions">
              <button
                type="submit"
                className="kern-btn kern-btn--primary"
                aria-disabled={submitting || undefined}
              >
                <span className="kern-label">
                  {submitting ? t('passwordResetConfirm.submitting') : t('passwordResetConfirm.submit')}
                </span>
              </button>
            </div>
          </form>
        </>
      )}
    </Page>
  );
}
