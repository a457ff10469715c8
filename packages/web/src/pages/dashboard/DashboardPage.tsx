// The public dashboards: the region's and one per municipality. Tiles grouped by field of action, a map
// of the measuring points with a text list, active warnings as a banner, live values, open-data links.
import {
  BAND_LEVELS,
  FIELDS_OF_ACTION,
  type FieldOfAction,
  type PublicDashboard,
  type PublicTile,
} from '@srp/contracts';
import { startTransition, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { findMunicipality, useRegions } from '../../regions.js';
import {
  bandFor,
  formatNumber,
  numericValue,
  useLatestValues,
  useWarnings,
  type LatestValue,
  type Loadable,
  type LiveState,
} from './data.js';
import { SensorMap, type MapPoint } from './SensorMap.js';
import { pick, TileCard } from './TileCard.js';
import { WarningArea } from '../warnings/WarningArea.js';

type DashboardState = Loadable<PublicDashboard> | { status: 'missing' };

export function useDashboard(query: string): DashboardState {
  const [state, setState] = useState<DashboardState>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    setState({ status: 'loading' });
    api.get<PublicDashboard>(`/api/public/dashboard${query}`).then(
      // All tiles at once are the page's biggest render: as a transition React splits it into short tasks.
      (data) => active && startTransition(() => setState({ status: 'ready', data })),
      (error: unknown) =>
        active &&
        setState(
          error instanceof ApiError && error.status === 404 ? { status: 'missing' } : { status: 'error' },
        ),
    );
    return () => {
      active = false;
    };
  }, [query]);
  return state;
}

/** `/dashboard`: the only region's dashboard, or a choice of regions. */
export function RegionIndex() {
  const { t } = useTranslation();
  const regions = useRegions();
  if (regions.status === 'loading') return <Loading />;
  if (regions.status === 'ready' && regions.regions.length === 1)
    return <DashboardView kind="region" slug={regions.regions[0]!.slug} />;
  return (
    <Page heading={t('areas.dashboard.name')}>
      <ul className="kern-list">
        {regions.status === 'ready' &&
          regions.regions.map((r) => (
            <li key={r.id}>
              <Link className="kern-link" to={`/dashboard/region/${r.slug}`}>
                {r.name}
              </Link>
            </li>
          ))}
      </ul>
    </Page>
  );
}

export function RegionDashboard() {
  const { slug = '' } = useParams();
  return <DashboardView kind="region" slug={slug} />;
}

export function MunicipalityDashboard() {
  const { slug = '' } = useParams();
  return <DashboardView kind="municipality" slug={slug} />;
}

type ScopeKind = PublicDashboard['scope']['kind'];

function useDashboardHeading(): (kind: ScopeKind, name: string) => string {
  const { t } = useTranslation();
  return (kind, name) =>
    t(kind === 'region' ? 'dashboard.regionTitle' : 'dashboard.municipalityTitle', { name });
}

/** The region or municipality name from the list every page loads at start, before its dashboard arrives. */
function useKnownName(kind: ScopeKind, slug: string): string | null {
  const regions = useRegions();
  if (regions.status !== 'ready') return null;
  const known =
    kind === 'region'
      ? regions.regions.find((r) => r.slug === slug)
      : findMunicipality(regions.regions, slug);
  return known?.name ?? null;
}

function DashboardView({ kind, slug }: { kind: ScopeKind; slug: string }) {
  const { t } = useTranslation();
  const state = useDashboard(`?${kind}=${encodeURIComponent(slug)}`);
  const knownName = useKnownName(kind, slug);
  const headingFor = useDashboardHeading();
  if (state.status === 'loading' && knownName === null) return <Loading />;
  if (state.status === 'missing')
    return (
      <Page heading={t('areas.dashboard.name')}>
        <Alert variant="warning" title={t('dashboard.notFound')} />
      </Page>
    );
  if (state.status === 'error')
    return (
      <Page heading={t('areas.dashboard.name')}>
        <Alert variant="danger" title={t('dashboard.loadFailed')} />
      </Page>
    );
  // Heading and lead are drawn as soon as the name is known, and stay in place when the data arrives: the
  // largest text on a phone's first screen shows without waiting for the dashboard's data.
  const heading =
    state.status === 'ready'
      ? headingFor(state.data.scope.kind, state.data.scope.name)
      : headingFor(kind, knownName!);
  return (
    <Page heading={heading}>
      <p className="kern-body kern-body--large">{t('dashboard.lead')}</p>
      {state.status === 'ready' ? (
        <Dashboard dashboard={state.data} />
      ) : (
        <div className="srp-dashboard-pending">
          <Loading />
        </div>
      )}
    </Page>
  );
}

const LEVEL_RANK = Object.fromEntries(BAND_LEVELS.map((l, i) => [l, i])) as Record<string, number>;
const NEUTRAL = '#005ea8';

/** One marker per place: the Datastreams there, their values and band, the most severe band's colour. */
export function mapPoints(
  tiles: readonly PublicTile[],
  values: ReadonlyMap<number, LatestValue>,
  language: string,
): MapPoint[] {
  const points = new Map<string, { p: MapPoint; rank: number; lines: string[] }>();
  for (const tile of tiles)
    for (const d of tile.datastreams) {
      if (!d.location) continue;
      const key = `${d.location.latitude.toFixed(5)},${d.location.longitude.toFixed(5)}`;
      const value = numericValue(values.get(d.id)?.value);
      const band = bandFor(value, tile.bands);
      const unit = d.unit && d.unit !== '1' ? ` ${d.unit}` : '';
      const line = `${d.name}: ${value === null ? '–' : formatNumber(value, language) + unit}${band ? ` (${pick(band.label, language)})` : ''}`;
      const entry = points.get(key) ?? {
        p: { key, latitude: d.location.latitude, longitude: d.location.longitude, label: '', color: NEUTRAL },
        rank: -1,
        lines: [],
      };
      if (!entry.lines.includes(line)) entry.lines.push(line);
      if (band && LEVEL_RANK[band.level]! > entry.rank) {
        entry.rank = LEVEL_RANK[band.level]!;
        entry.p.color = band.color;
      }
      points.set(key, entry);
    }
  return [...points.values()].map((e) => ({ ...e.p, label: e.lines.join('\n') }));
}

function Dashboard({ dashboard }: { dashboard: PublicDashboard }) {
  const { t, i18n } = useTranslation();
  const { scope } = dashboard;
  const ids = [...new Set(dashboard.tiles.flatMap((tile) => tile.datastreams.map((d) => d.id)))];
  const { values, live } = useLatestValues(ids);
  const warnings = useWarnings(scope.kind === 'municipality' ? scope.id : null);
  const points = mapPoints(dashboard.tiles, values, i18n.language);
  const fields = FIELDS_OF_ACTION.filter((f) => dashboard.tiles.some((tile) => tile.fieldOfAction === f));
  // Tiles in page order; only the first `revealed` are drawn yet (see useRevealed).
  const ordered = fields.flatMap((f) => dashboard.tiles.filter((tile) => tile.fieldOfAction === f));
  const revealed = useRevealed(ordered.length);
  const shown = new Set(ordered.slice(0, revealed));
  const scopeQuery = scope.kind === 'region' ? `region=${scope.slug}` : `municipality=${scope.slug}`;

  return (
    <>
      {warnings.length > 0 && (
        <section aria-labelledby="warnings-heading" className="kern-stack-sm" data-testid="warnings">
          <h2 id="warnings-heading" className="kern-heading-medium">
            {t('dashboard.warnings')}
          </h2>
          {warnings.map((w) => (
            <Alert
              key={w.id}
              variant={w.level === 'minor' ? 'info' : w.level === 'moderate' ? 'warning' : 'danger'}
              title={`${t(`dashboard.warningLevels.${w.level}`)}: ${w.title} (${w.municipalityName})`}
            >
              <p className="kern-body" lang="de">
                {w.text}
              </p>
              {w.area && <WarningArea area={w.area} description={w.areaDescription ?? null} />}
            </Alert>
          ))}
        </section>
      )}
      <nav aria-labelledby="other-dashboards" className="kern-stack-xs">
        <h2 id="other-dashboards" className="kern-heading-small">
          {t('dashboard.otherDashboards')}
        </h2>
        <ul className="srp-chips">
          <li>
            <Link
              className="kern-link"
              to={`/dashboard/region/${scope.regionSlug}`}
              aria-current={scope.kind === 'region' ? 'page' : undefined}
            >
              {t('dashboard.regionLink')} {scope.regionName}
            </Link>
          </li>
          {dashboard.municipalities.map((m) => (
            <li key={m.id}>
              <Link
                className="kern-link"
                to={`/dashboard/gemeinde/${m.slug}`}
                aria-current={scope.kind === 'municipality' && scope.id === m.id ? 'page' : undefined}
              >
                {m.name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <LiveNote live={live} />
      {dashboard.tiles.length === 0 ? (
        <Alert variant="info" title={t('dashboard.noTiles')} />
      ) : (
        <>
          {fields
            .filter((field) => ordered.some((tile) => tile.fieldOfAction === field && shown.has(tile)))
            .map((field: FieldOfAction) => (
              <section key={field} aria-labelledby={`field-${field}`} className="kern-stack-sm">
                <h2 id={`field-${field}`} className="kern-heading-medium">
                  {t(`dashboard.fields.${field}`)}
                </h2>
                <div className="srp-tile-grid">
                  {dashboard.tiles
                    .filter((tile) => tile.fieldOfAction === field && shown.has(tile))
                    .map((tile) => (
                      <TileCard key={tile.id} tile={tile} values={values} />
                    ))}
                </div>
              </section>
            ))}
          {revealed >= ordered.length && (
            <section aria-labelledby="map-heading" className="kern-stack-sm">
              <h2 id="map-heading" className="kern-heading-medium">
                {t('dashboard.map')}
              </h2>
              <p className="kern-body kern-body--small">{t('dashboard.mapHint')}</p>
              <SensorMap
                points={points}
                tileUrl={dashboard.map.tileUrl}
                attribution={dashboard.map.attribution}
              />
              <details className="srp-details">
                <summary className="kern-body">{t('dashboard.locations')}</summary>
                <ul className="kern-list kern-list--bullet" data-testid="locations">
                  {points.map((p) => (
                    <li key={p.key} className="kern-body srp-pre">
                      {p.label}
                    </li>
                  ))}
                </ul>
              </details>
            </section>
          )}
        </>
      )}
      <section aria-labelledby="open-data-heading" className="kern-stack-xs">
        <h2 id="open-data-heading" className="kern-heading-medium">
          {t('dashboard.openData')}
        </h2>
        <p className="kern-body">{t('dashboard.openDataText')}</p>
        <ul className="kern-list kern-list--bullet">
          <li>
            <a className="kern-link" href={`/api/open-data/catalog.ttl?${scopeQuery}`}>
              {t('dashboard.catalogue')}
            </a>
          </li>
          <li>
            <a className="kern-link" href={`/api/open-data/locations.geojson?${scopeQuery}`}>
              {t('dashboard.locationsGeojson')}
            </a>
          </li>
        </ul>
      </section>
    </>
  );
}

const TILES_PER_STEP = 2;

/**
 * How many of `total` tiles to draw: a few more after each commit, each step in a task of its own. Drawing
 * all tiles at once was one commit (DOM, style, layout) of 100–200 ms on a throttled phone; in steps the
 * main thread is free between them and the first tiles show sooner.
 */
function useRevealed(total: number): number {
  const [revealed, setRevealed] = useState(TILES_PER_STEP);
  useEffect(() => {
    if (revealed >= total) return;
    const timer = setTimeout(() => startTransition(() => setRevealed((n) => n + TILES_PER_STEP)), 0);
    return () => clearTimeout(timer);
  }, [revealed, total]);
  return revealed;
}

export function LiveNote({ live }: { live: LiveState }) {
  const { t } = useTranslation();
  return (
    <p className="kern-body kern-body--small srp-live" data-live={live}>
      <span className={`srp-live__dot srp-live__dot--${live}`} aria-hidden="true" />
      {live === 'offline'
        ? t('dashboard.liveOffline')
        : `${t('dashboard.live')}: ${t('dashboard.liveConnected')}`}
    </p>
  );
}

/** `/dashboard/kachel/:id`: one tile on its own page (the shared link). */
export function SharedTilePage() {
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
  const ids = state.status === 'ready' ? state.data.datastreams.map((d) => d.id) : [];
  const { values } = useLatestValues(ids);
  if (state.status === 'loading') return <Loading />;
  if (state.status !== 'ready')
    return (
      <Page heading={t('areas.dashboard.name')}>
        <Alert variant="warning" title={t('dashboard.notFound')} />
      </Page>
    );
  return (
    <Page heading={pick(state.data.title, i18n.language)}>
      <TileCard tile={state.data} values={values} headingLevel={2} />
    </Page>
  );
}
