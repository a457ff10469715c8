// Where the account page sends a person after deleting their account (the account page itself needs a
// session, which is gone by then).
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Alert } from '../layout/Alert.js';
import { Page } from '../page.js';
import { useSession } from '../session.js';

export default function AccountDeletedPage() {
  const { t } = useTranslation();
  const { refresh } = useSession();
  // The server ended the session with the account; the header should know it too.
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <Page heading={t('account.title')}>
      <Alert variant="success" title={t('account.deletedTitle')}>
        <p className="kern-body">
          <Link to="/" className="kern-link">
            {t('common.backToStart')}
          </Link>
        </p>
      </Alert>
    </Page>
  );
}
