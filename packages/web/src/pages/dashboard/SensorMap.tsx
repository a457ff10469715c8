// The map of published measuring points (Leaflet). The tile source is configured on the server; when
// it is switched off or its tiles fail to load, the markers stay on a plain background and a note says
// so. Every point is also listed as text below the map (the map is not the only way to the data).
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface MapPoint {
  key: string;
  latitude: number;
  longitude: number;
  label: string;
  color: string;
}

export function SensorMap({
  points,
  tileUrl,
  attribution,
}: {
  points: readonly MapPoint[];
  tileUrl: string | null;
  attribution: string;
}) {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const markers = useRef<L.LayerGroup | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);

  useEffect(() => {
    if (!element.current) return;
    const created = L.map(element.current, { scrollWheelZoom: false, attributionControl: true });
    created.attributionControl.setPrefix(false);
    if (tileUrl) {
      let failures = 0;
      L.tileLayer(tileUrl, { attribution, maxZoom: 18 })
        .on('tileerror', () => {
          failures++;
          if (failures >= 2) setTilesFailed(true);
        })
        .addTo(created);
    }
    markers.current = L.layerGroup().addTo(created);
    created.setView([50.42, 9.6], 11);
    map.current = created;
    // The container may get its final size after Leaflet measured it (styles of a lazily loaded chunk);
    // without telling Leaflet, its vector layer stays clipped to the old size and markers vanish.
    const resize = new ResizeObserver(() => created.invalidateSize());
    resize.observe(element.current);
    return () => {
      resize.disconnect();
      created.remove();
      map.current = null;
    };
  }, [tileUrl, attribution]);

  const signature = points.map((p) => `${p.key}:${p.color}:${p.label}`).join('|');
  useEffect(() => {
    const current = map.current;
    const layer = markers.current;
    if (!current || !layer) return;
    current.invalidateSize();
    layer.clearLayers();
    for (const p of points)
      L.circleMarker([p.latitude, p.longitude], {
        radius: 9,
        color: '#1a1a1a',
        weight: 2,
        fillColor: p.color,
        fillOpacity: 0.9,
      })
        .bindTooltip(p.label)
        .addTo(layer);
    if (points.length > 0)
      current.fitBounds(L.latLngBounds(points.map((p) => [p.latitude, p.longitude])), {
        padding: [24, 24],
        maxZoom: 14,
      });
    // Redrawn when the points' content changes (the signature), not on every new array.
  }, [signature]);

  const plain = !tileUrl || tilesFailed;
  return (
    <div className="kern-stack-xs">
      <div
        ref={element}
        className={`srp-map${plain ? ' srp-map--plain' : ''}`}
        data-testid="map"
        data-tiles={plain ? 'failed' : 'ok'}
        role="region"
        aria-label={t('dashboard.map')}
      />
      {plain && (
        <p className="kern-body kern-body--small srp-muted" data-testid="map-fallback">
          {tileUrl ? t('dashboard.mapTilesFailed') : t('dashboard.mapNoTiles')}
        </p>
      )}
    </div>
  );
}
