// The area of a public warning: a small outline drawn from its GeoJSON polygon, with a text alternative
// (where, how large) and a link that opens the spot in a map. Used on /warnungen and the dashboard banner.
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../numbers.js';
import './warnings.css';

type Ring = number[][];
export type WarningAreaShape =
  { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };

/** Outer rings of the polygons, as [longitude, latitude] pairs. */
const outerRings = (area: WarningAreaShape): Ring[] =>
  area.type === 'Polygon' ? area.coordinates.slice(0, 1) : area.coordinates.map((p) => p[0] ?? []);

export function areaExtent(area: WarningAreaShape) {
  const points = outerRings(area).flat();
  const lons = points.map((p) => p[0]!);
  const lats = points.map((p) => p[1]!);
  const south = Math.min(...lats);
  const north = Math.max(...lats);
  const west = Math.min(...lons);
  const east = Math.max(...lons);
  const latitude = (south + north) / 2;
  const kmPerDegree = 111.32;
  return {
    south,
    north,
    west,
    east,
    latitude,
    longitude: (west + east) / 2,
    heightKm: (north - south) * kmPerDegree,
    widthKm: (east - west) * kmPerDegree * Math.cos((latitude * Math.PI) / 180),
  };
}

export function WarningArea({ area, description }: { area: WarningAreaShape; description: string | null }) {
  const { t, i18n } = useTranslation();
  const e = areaExtent(area);
  // Not toLocaleString: the public dashboard shows this while loading, and Intl's number data costs a long task.
  const km = (n: number) => formatNumber(n, i18n.language, n < 10 ? 1 : 0);
  const coordinate = (n: number) => formatNumber(n, i18n.language, 4);
  const alt = t('rules.warnings.areaAlt', {
    where: description ?? t('rules.warnings.areaUnnamed'),
    width: km(e.widthKm),
    height: km(e.heightKm),
    latitude: coordinate(e.latitude),
    longitude: coordinate(e.longitude),
  });
  // Scale to a 100 x 100 box, keeping the aspect (longitude shrinks with the cosine of the latitude).
  const cos = Math.cos((e.latitude * Math.PI) / 180);
  const span = Math.max((e.east - e.west) * cos, e.north - e.south) || 1;
  const x = (lon: number) => 5 + ((lon - e.west) * cos * 90) / span;
  const y = (lat: number) => 95 - ((lat - e.south) * 90) / span;
  const zoom = Math.max(8, Math.min(17, Math.round(Math.log2(360 / Math.max(span, 0.001))) - 1));
  return (
    <div className="srp-warning-area">
      <svg viewBox="0 0 100 100" width="72" height="72" role="img" aria-label={alt}>
        {outerRings(area).map((ring, i) => (
          <polygon
            key={i}
            points={ring.map((p) => `${x(p[0]!).toFixed(1)},${y(p[1]!).toFixed(1)}`).join(' ')}
            fill="currentColor"
            fillOpacity="0.2"
            stroke="currentColor"
            strokeWidth="2"
          />
        ))}
      </svg>
      <p className="kern-body kern-body--small">
        {alt}{' '}
        <a
          className="kern-link"
          href={`https://www.openstreetmap.org/?mlat=${e.latitude.toFixed(5)}&mlon=${e.longitude.toFixed(5)}#map=${zoom}/${e.latitude.toFixed(5)}/${e.longitude.toFixed(5)}`}
          target="_blank"
          rel="noreferrer"
        >
          {t('rules.warnings.areaMap')}
        </a>
      </p>
    </div>
  );
}
