import type { PublicMunicipality } from '@srp/contracts';
import { useTranslation } from 'react-i18next';
import { Alert } from '../layout/Alert.js';
import { Loading } from '../layout/Loading.js';
import { Page } from '../page.js';
import { allMunicipalities, useRegions } from '../regions.js';
import { Link } from 'react-router';
import { useLoad, type Post } from './participation/shared.js';

type LegalKind = 'accessibility' | 'privacy' | 'imprint';

const URL_OF: Record<LegalKind, (m: PublicMunicipality) => string | null> = {
  accessibility: (m) => m.accessibilityUrl,
  privacy: (m) => m.privacyUrl,
  imprint: (m) => m.imprintUrl,
};

/**
 * The platform is run jointly, so its legal pages point to each municipality's own statement instead of
 * inventing a single one.
 */
export default function LegalPage({ kind }: { kind: LegalKind }) {
  const { t } = useTranslation();
  const regions = useRegions();
  const linkLabel = t(`municipality.${kind}`);
  // Statements written on the platform (participation pages) come first; otherwise the municipality's link.
  const pages = useLoad<{ pages: Post[] }>(`/api/public/pages?role=${kind}`);
  const pageOf = (municipalityId: string) =>
    pages.status === 'ready' ? pages.data.pages.find((p) => p.municipalityId === municipalityId) : undefined;

  return (
    <Page heading={t(`legal.${kind}.title`)}>
      <p className="kern-body">{t(`legal.${kind}.lead`)}</p>
      <section aria-labelledby="per-municipality" className="kern-stack-xs">
        <h2 id="per-municipality" className="kern-heading-medium">
          {t('legal.perMunicipality')}
        </h2>
        {regions.status === 'loading' && <Loading />}
        {regions.status === 'error' && <Alert variant="danger" title={t('start.loadFailed')} />}
        {regions.status === 'ready' && (
          <ul className="kern-list kern-list--bullet">
            {allMunicipalities(regions.regions).map((m) => {
              const url = URL_OF[kind](m);
              const page = pageOf(m.id);
              return (
                <li key={m.id} className="kern-body">
                  {page ? (
                    <Link className="kern-link" to={`/mitmachen/seiten/${page.id}`}>
                      {`${m.name}: ${linkLabel}`}
                    </Link>
                  ) : url ? (
                    <a className="kern-link" href={url}>
                      {`${m.name}: ${linkLabel}`}
                    </a>
                  ) : (
                    `${m.name}: ${linkLabel} (${t('legal.missing')})`
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </Page>
  );
}
