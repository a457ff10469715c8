import { useTranslation } from 'react-i18next';

/** Shown while a page's code or data loads; the text is visible, not just the spinner. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <div className="srp-loading" role="status">
      <span className="kern-loader kern-loader--visible" aria-hidden="true" />
      <span className="kern-body">{t('common.loading')}</span>
    </div>
  );
}
