// "Mein Konto" for citizens: links to the applications and the data export, and three small forms: change
// the password, change the e-mail address (confirmed by the new address), delete the account.
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError, api, apiRequest } from '../api.js';
import { Alert } from '../layout/Alert.js';
import { CheckboxField, TextField } from '../layout/forms.js';
import { Page } from '../page.js';
import { useSession } from '../session.js';

type Status = { kind: 'success' | 'danger'; text: string } | null;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="kern-stack-md">
      <h2 id={id} className="kern-heading-medium">
        {title}
      </h2>
      {children}
    </section>
  );
}

function useAccountForm() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);
  const message = useRef<HTMLDivElement>(null);
  async function run(action: () => Promise<string>) {
    if (busy) return;
    setBusy(true);
    try {
      setStatus({ kind: 'success', text: await action() });
    } catch (error) {
      let text = t('account.failed');
      if (error instanceof ApiError && error.code === 'invalid_credentials')
        text = t('account.wrongPassword');
      else if (error instanceof ApiError && error.code === 'forbidden') text = t('account.staffAccount');
      else if (error instanceof ApiError && error.code === 'too_many_requests')
        text = t('register.tooManyAttempts');
      else if (error instanceof ApiError && error.code === 'validation_failed') text = error.message;
      setStatus({ kind: 'danger', text });
    } finally {
      setBusy(false);
      setTimeout(() => message.current?.focus(), 0);
    }
  }
  const view = status && (
    <Alert
      ref={message}
      variant={status.kind}
      title={status.text}
      {...(status.kind === 'danger' ? { role: 'alert' } : {})}
    />
  );
  return { run, view, busy };
}

export default function AccountPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const user = session.user;
  const navigate = useNavigate();

  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const passwordForm = useAccountForm();

  const [emailPassword, setEmailPassword] = useState('');
  const [newEmail, setNewEmail] = useState('');
  const emailForm = useAccountForm();

  const [deletePassword, setDeletePassword] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();
  const deleteForm = useAccountForm();
  if (!user) return null;

  function changePassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void passwordForm.run(async () => {
      await api.post('/api/me/password', { currentPassword, newPassword });
      setCurrentPassword('');
      setNewPassword('');
      return t('account.passwordChanged');
    });
  }

  function changeEmail(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void emailForm.run(async () => {
      await api.post('/api/me/email', { currentPassword: emailPassword, newEmail: newEmail.trim() });
      setEmailPassword('');
      return t('account.emailRequested');
    });
  }

  function deleteAccount(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!confirmDelete) {
      setDeleteError(t('account.deleteConfirmRequired'));
      document.getElementById('account-delete-confirm')?.focus();
      return;
    }
    setDeleteError(undefined);
    void deleteForm.run(async () => {
      await apiRequest<void>('DELETE', '/api/me', { currentPassword: deletePassword, confirm: true });
      // The next page ends the session in the app too; done here, this page would send to the login.
      await navigate('/konto/geloescht', { replace: true });
      return t('account.deletedTitle');
    });
  }

  return (
    <Page heading={t('account.title')}>
      <p className="kern-body">{t('account.overview', { name: user.displayName, email: user.email })}</p>
      <ul className="kern-list">
        <li className="kern-body">
          <Link to="/buergerservice" className="kern-link">
            {t('account.myCases')}
          </Link>
        </li>
        <li className="kern-body">
          <a href="/api/egov/my/export" className="kern-link" download>
            {t('account.export')}
          </a>{' '}
          – {t('account.exportHint')}
        </li>
      </ul>

      <Section id="account-password" title={t('account.passwordTitle')}>
        {passwordForm.view}
        <form noValidate onSubmit={changePassword} className="kern-stack-md srp-form">
          <TextField
            id="account-current-password"
            label={t('account.currentPassword')}
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
          />
          <TextField
            id="account-new-password"
            label={t('account.newPassword')}
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
            describedBy="account-password-rules"
          />
          <p className="kern-body kern-body--small" id="account-password-rules">
            {t('account.passwordRules')}
          </p>
          <div className="srp-form__actions">
            <button
              type="submit"
              className="kern-btn kern-btn--primary"
              aria-disabled={passwordForm.busy || undefined}
            >
              <span className="kern-label">{t('account.changePassword')}</span>
            </button>
          </div>
        </form>
      </Section>

      <Section id="account-email" title={t('account.emailTitle')}>
        {emailForm.view}
        <form noValidate onSubmit={changeEmail} className="kern-stack-md srp-form">
          <TextField
            id="account-new-email"
            label={t('account.newEmail')}
            type="email"
            autoComplete="email"
            value={newEmail}
            onChange={(event) => setNewEmail(event.target.value)}
          />
          <TextField
            id="account-email-password"
            label={t('account.currentPassword')}
            type="password"
            autoComplete="current-password"
            value={emailPassword}
            onChange={(event) => setEmailPassword(event.target.value)}
          />
          <div className="srp-form__actions">
            <button
              type="submit"
              className="kern-btn kern-btn--secondary"
              aria-disabled={emailForm.busy || undefined}
            >
              <span className="kern-label">{t('account.changeEmail')}</span>
            </button>
          </div>
        </form>
      </Section>

      <Section id="account-delete" title={t('account.deleteTitle')}>
        <p className="kern-body">{t('account.deleteText')}</p>
        {deleteForm.view}
        <form noValidate onSubmit={deleteAccount} className="kern-stack-md srp-form">
          <TextField
            id="account-delete-password"
            label={t('account.currentPassword')}
            type="password"
            autoComplete="current-password"
            value={deletePassword}
            onChange={(event) => setDeletePassword(event.target.value)}
          />
          <div className={deleteError ? 'kern-form-input kern-form-input--error' : undefined}>
            <CheckboxField
              id="account-delete-confirm"
              label={t('account.deleteConfirm')}
              checked={confirmDelete}
              onChange={setConfirmDelete}
            />
            {deleteError && (
              <p className="kern-error" id="account-delete-confirm-error" role="alert">
                <span className="kern-icon kern-icon--danger" aria-hidden="true" />
                <span className="kern-body">{deleteError}</span>
              </p>
            )}
          </div>
          <div className="srp-form__actions">
            <button
              type="submit"
              className="kern-btn kern-btn--secondary"
              aria-disabled={deleteForm.busy || undefined}
            >
              <span className="kern-label">{t('account.deleteSubmit')}</span>
            </button>
          </div>
        </form>
      </Section>
    </Page>
  );
}
