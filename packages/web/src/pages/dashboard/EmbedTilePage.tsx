// `/dashboard/embed/tile/:id`: one tile with minimal chrome, for an iframe on a municipality's website.
// The server lets only these pages be framed by other sites.
import type { PublicTile } from '@srp/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../../api.js';
import { Loading } from '../../layout/Loading.js';
import { useLatestValues, type Loadable } from './data.js';
import { pick, TileCard } from './TileCard.js';

export default function EmbedTilePage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const [state, setState] = useState<Loadable<PublicTile> | { status: 'missing' }>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    api.get<PublicTile>(`/api/public/dashboard/tiles/${encodeURIComponent(id)}`).then(
      (data) => active && setState({ status: 'ready', data }),
      () => active && setState({ status: 'missing' }),
    );
    return () => {
      active = false;
    };
  }, [id]);
  const { values } = useLatestValues(state.status === 'ready' ? state.data.datastreams.map((d) => d.id) : []);
  useEffect(() => {
    if (state.status === 'ready') document.title = pick(state.data.title, i18n.language);
  }, [state, i18n.language]);

  return (
    <main className="srp-embed kern-stack-sm">
      {state.status === 'loading' && <Loading />}
      {state.status === 'missing' && (
        <>
          <h1 className="kern-heading-small">{t('areas.dashboard.name')}</h1>
          <p className="kern-body">{t('dashboard.notFound')}</p>
        </>
      )}
      {state.status === 'ready' && (
        <>
          <h1 className="srp-visually-hidden">{pick(state.data.title, i18n.language)}</h1>
          <TileCard tile={state.data} values={values} share={false} headingLevel={2} />
          <a
            className="kern-link kern-body--small"
            href={`/dashboard/kachel/${state.data.id}`}
            target="_blank"
            rel="noopener"
          >
            {t('dashboard.openFull')}
          </a>
        </>
      )}
    </main>
  );
}
