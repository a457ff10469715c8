import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

export const LEGAL_PATHS = {
  accessibility: '/barrierefreiheit',
  privacy: '/datenschutz',
  imprint: '/impressum',
} as const;

export function Footer() {
  const { t } = useTranslation();
  return (
    <footer className="srp-footer">
      <div className="kern-container kern-stack-sm">
        <nav aria-label={t('footer.legalNavigation')}>
          <ul className="srp-footer__links">
            <li>
              <Link className="kern-link" to={LEGAL_PATHS.accessibility}>
                {t('legal.accessibility.title')}
              </Link>
            </li>
            <li>
              <Link className="kern-link" to={LEGAL_PATHS.privacy}>
                {t('legal.privacy.title')}
              </Link>
            </li>
            <li>
              <Link className="kern-link" to={LEGAL_PATHS.imprint}>
                {t('legal.imprint.title')}
              </Link>
            </li>
          </ul>
        </nav>
        <p className="kern-body kern-body--small">{t('footer.note')}</p>
      </div>
    </footer>
  );
}
