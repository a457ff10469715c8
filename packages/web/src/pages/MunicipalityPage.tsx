import type { PublicMunicipality } from '@srp/contracts';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { Alert } from '../layout/Alert.js';
import { Loading } from '../layout/Loading.js';
import { Page } from '../page.js';
import { findMunicipality, useRegions } from '../regions.js';
import NotFoundPage from './NotFoundPage.js';

// Published club events load on their own, so the page itself stays in the main bundle as it was.
const PublicClubEvents = lazy(() => import('./cloud/calendar/PublicClubEvents.js'));

export default function MunicipalityPage() {
  const { t } = useTranslation();
  const { slug = '' } = useParams();
  const regions = useRegions();

  if (regions.status === 'loading') return <Loading />;
  if (regions.status === 'error')
    return <Alert variant="danger" title={t('start.loadFailed')} role="alert" />;
  const municipality = findMunicipality(regions.regions, slug);
  if (!municipality) return <NotFoundPage />;
  return <MunicipalityDetails municipality={municipality} />;
}

function MunicipalityDetails({ municipality: m }: { municipality: PublicMunicipality }) {
  const { t } = useTranslation();
  const links = [
    { url: m.websiteUrl, label: t('municipality.website') },
    { url: m.privacyUrl, label: t('municipality.privacy') },
    { url: m.imprintUrl, label: t('municipality.imprint') },
    { url: m.accessibilityUrl, label: t('municipality.accessibility') },
  ].filter((link): link is { url: string; label: string } => Boolean(link.url));
  const hasContact = Boolean(m.address || m.contactPhone || m.contactEmail);

  return (
    <Page heading={m.name}>
      {m.coatOfArmsUrl && (
        <img
          src={m.coatOfArmsUrl}
          alt={t('municipality.coatOfArms', { name: m.name })}
          className="srp-coat-of-arms"
        />
      )}

      <section aria-labelledby="contact-heading" className="kern-stack-sm">
        <h2 id="contact-heading" className="kern-heading-medium">
          {t('municipality.contact')}
        </h2>
        {hasContact || m.ags ? (
          <dl className="kern-description-list">
            {m.address && (
              <div className="kern-description-list-item">
                <dt className="kern-description-list-item__key">{t('municipality.address')}</dt>
                <dd className="kern-description-list-item__value srp-address" lang="de">
                  {m.address}
                </dd>
              </div>
            )}
            {m.contactPhone && (
              <div className="kern-description-list-item">
                <dt className="kern-description-list-item__key">{t('municipality.phone')}</dt>
                <dd className="kern-description-list-item__value">
                  <a className="kern-link" href={`tel:${m.contactPhone.replace(/[^+\d]/g, '')}`}>
                    {m.contactPhone}
                  </a>
                </dd>
              </div>
            )}
            {m.contactEmail && (
              <div className="kern-description-list-item">
                <dt className="kern-description-list-item__key">{t('municipality.email')}</dt>
                <dd className="kern-description-list-item__value">
                  <a className="kern-link" href={`mailto:${m.contactEmail}`}>
                    {m.contactEmail}
                  </a>
                </dd>
              </div>
            )}
            {m.ags && (
              <div className="kern-description-list-item">
                <dt className="kern-description-list-item__key">{t('municipality.ags')}</dt>
                <dd className="kern-description-list-item__value">{m.ags}</dd>
              </div>
            )}
          </dl>
        ) : (
          <p className="kern-body">{t('municipality.noContact')}</p>
        )}
      </section>

      <section aria-labelledby="links-heading" className="kern-stack-sm">
        <h2 id="links-heading" className="kern-heading-medium">
          {t('municipality.links')}
        </h2>
        {links.length > 0 ? (
          <ul className="kern-list">
            {links.map((link) => (
              <li key={link.label}>
                <a className="kern-link" href={link.url}>
                  <span className="kern-icon kern-icon--open-in-new kern-icon--small" aria-hidden="true" />
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p className="kern-body">{t('municipality.noLinks')}</p>
        )}
      </section>

      <Suspense fallback={null}>
        <PublicClubEvents municipalityId={m.id} name={m.name} />
      </Suspense>

      <p className="kern-body">
        <Link to="/" className="kern-link">
          <span className="kern-icon kern-icon--arrow-back kern-icon--small" aria-hidden="true" />
          {t('municipality.allMunicipalities')}
        </Link>
      </p>
    </Page>
  );
}
