// The map of published measuring points (Leaflet). The tile source is configured on the server; when
// it is switched off or its tiles fail to load, the markers stay on a plain background and a note says
// so. Every point is also listed as text below the map (the map is not the only way to the data).
// The container is drawn at once at its final size; Leaflet itself (the largest library of the page, one
// long task to evaluate) arrives only when the map comes near the viewport: on a phone it is below the fold.
import type Leaflet from 'leaflet';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';

export interface MapPoint {
  key: string;
  latitude: number;
  longitude: number;
  label: string;
  color: string;
}

type LeafletModule = typeof Leaflet;

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
  const map = useRef<{ L: LeafletModule; map: Leaflet.Map; markers: Leaflet.LayerGroup } | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);
  // Bumped when a map was created, so the markers are drawn once Leaflet has arrived.
  const [mapVersion, setMapVersion] = useState(0);

  const near = useNearViewport(element);

  useEffect(() => {
    if (!near) return;
    let cancelled = false;
    let dispose = () => {};
    void import('./leaflet.js').then(({ default: L }) => {
      const container = element.current;
      if (cancelled || !container) return;
      const created = L.map(container, { scrollWheelZoom: false, attributionControl: true });
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
      const markers = L.layerGroup().addTo(created);
      created.setView([50.42, 9.6], 11);
      map.current = { L, map: created, markers };
      // The container may get its final size after Leaflet measured it (styles of a lazily loaded chunk, a
      // window resize); without telling Leaflet, its vector layer stays clipped and markers vanish.
      const resize = new ResizeObserver(() => created.invalidateSize());
      resize.observe(container);
      dispose = () => {
        resize.disconnect();
        created.remove();
        map.current = null;
      };
      setMapVersion((v) => v + 1);
    });
    return () => {
      cancelled = true;
      dispose();
    };
  }, [near, tileUrl, attribution]);

  const signature = points.map((p) => `${p.key}:${p.color}:${p.label}`).join('|');
  useEffect(() => {
    if (!map.current) return;
    const { L, map: current, markers } = map.current;
    current.invalidateSize();
    markers.clearLayers();
    for (const p of points)
      L.circleMarker([p.latitude, p.longitude], {
        radius: 9,
        color: '#1a1a1a',
        weight: 2,
        fillColor: p.color,
        fillOpacity: 0.9,
      })
        .bindTooltip(p.label)
        .addTo(markers);
    if (points.length > 0)
      current.fitBounds(L.latLngBounds(points.map((p) => [p.latitude, p.longitude])), {
        padding: [24, 24],
        maxZoom: 14,
      });
    // Redrawn when the points' content changes (the signature) or a map was created, not on every new array.
  }, [signature, mapVersion]);

  const plain = !tileUrl || tilesFailed;
  return (
    <div className="kern-stack-xs">
      <div
        className={`srp-map${plain ? ' srp-map--plain' : ''}`}
        data-testid="map"
        data-tiles={plain ? 'failed' : 'ok'}
        role="region"
        aria-label={t('dashboard.map')}
      >
        {/* Leaflet's own element: React never changes its class, which would drop the classes Leaflet set
            on it (and with them the rules that size its marker layer). */}
        <div ref={element} className="srp-map__leaflet" />
      </div>
      {plain && (
        <p className="kern-body kern-body--small srp-muted" data-testid="map-fallback">
          {tileUrl ? t('dashboard.mapTilesFailed') : t('dashboard.mapNoTiles')}
        </p>
      )}
    </div>
  );
}

/** True once the element is within a screen's margin of the viewport (stays true). */
function useNearViewport(element: RefObject<HTMLElement | null>): boolean {
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const target = element.current;
    if (near || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setNear(true);
      },
      { rootMargin: '200px 0px' },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [element, near]);
  return near;
}
