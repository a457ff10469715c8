import { AREAS } from '@srp/contracts';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AREA_PATHS, AREAS_REQUIRING_LOGIN } from '../paths.js';
import { Alert } from '../layout/Alert.js';
import { Loading } from '../layout/Loading.js';
import { PageHeading, usePageTitle } from '../page.js';
import { usePlatformName, useRegions } from '../regions.js';

export default function StartPage() {
  const { t } = useTranslation();
  const regions = useRegions();
  const platformName = usePlatformName(t('common.platformName'));
  usePageTitle(undefined);

  return (
    <div className="srp-page kern-stack-lg">
      <div className="kern-stack-sm">
        <PageHeading>{platformName}</PageHeading>
        <p className="kern-body kern-body--large">{t('start.lead')}</p>
      </div>

      {regions.status === 'loading' && <Loading />}
      {regions.status === 'error' && <Alert variant="danger" title={t('start.loadFailed')} />}
      {regions.status === 'ready' && regions.regions.length === 0 && (
        <Alert variant="info" title={t('start.noMunicipalities')} />
      )}
      {regions.status === 'ready' &&
        regions.regions.map((region) => (
          <section key={region.id} aria-labelledby={`region-${region.id}`} className="kern-stack-sm">
            <h2 id={`region-${region.id}`} className="kern-heading-large">
              {regions.regions.length === 1 ? t('start.municipalities') : region.name}
            </h2>
            {/* Content from the municipalities is written in German, whatever the interface language. */}
            {region.description && (
              <p className="kern-body" lang="de">
                {region.description}
              </p>
            )}
            {region.municipalities.length === 0 ? (
              <p className="kern-body">{t('start.noMunicipalities')}</p>
            ) : (
              <ul className="srp-tiles">
                {region.municipalities.map((municipality) => (
                  <li key={municipality.id} className="kern-card kern-card--small kern-card--interactive">
                    <div className="kern-card__container srp-municipality-tile">
                      {municipality.coatOfArmsUrl && (
                        // Decorative here: the link text next to it already names the municipality.
                        <img src={municipality.coatOfArmsUrl} alt="" className="srp-coat-of-arms--small" />
                      )}
                      <Link
                        to={`/m/${municipality.slug}`}
                        className="kern-link kern-link--stretched srp-tile-link"
                      >
                        {municipality.name}
                      </Link>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}

      <section aria-labelledby="areas-heading" className="kern-stack-sm">
        <h2 id="areas-heading" className="kern-heading-large">
          {t('start.areasHeading')}
        </h2>
        <ul className="srp-tiles srp-tiles--wide">
          {AREAS.map((area) => (
            <li key={area} className="kern-card kern-card--interactive">
              <div className="kern-card__container">
                <div className="kern-card__header">
                  <h3 className="kern-title">
                    <Link to={AREA_PATHS[area]} className="kern-link kern-link--stretched">
                      {t(`areas.${area}.name`)}
                    </Link>
                  </h3>
                </div>
                <div className="kern-card__body">
                  <p className="kern-body">{t(`areas.${area}.teaser`)}</p>
                  {AREAS_REQUIRING_LOGIN.includes(area) && (
                    <p className="kern-body kern-body--small srp-note">
                      <span
                        className="kern-icon kern-icon--small kern-icon--account-circle"
                        aria-hidden="true"
                      />
                      {t('start.loginRequired')}
                    </p>
                  )}
                </div>
              </div>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
