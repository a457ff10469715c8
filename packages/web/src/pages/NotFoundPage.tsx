import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Page } from '../page.js';

export default function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Page heading={t('notFound.title')}>
      <p className="kern-body">{t('notFound.text')}</p>
      <p className="kern-body">
        <Link to="/" className="kern-link">
          {t('common.backToStart')}
        </Link>
      </p>
    </Page>
  );
}
