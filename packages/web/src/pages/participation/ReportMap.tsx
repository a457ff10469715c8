// A Leaflet map on a plain background: the municipality boundaries and markers, no tile server (works
// offline and within the content security policy). Picking a point is optional: the form has address
// and coordinate fields for keyboard and screen-reader users.
import 'leaflet/dist/leaflet.css';
import L from 'leaflet';
import { useEffect, useRef } from 'react';

export interface MapPoint {
  latitude: number;
  longitude: number;
  label: string;
}

export default function ReportMap({
  label,
  boundaries,
  points = [],
  picked,
  onPick,
}: {
  label: string;
  boundaries: unknown;
  points?: MapPoint[];
  picked?: { latitude: number; longitude: number } | null;
  onPick?: (latitude: number, longitude: number) => void;
}) {
  const element = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const onPickRef = useRef(onPick);
  onPickRef.current = onPick;

  useEffect(() => {
    if (!element.current) return;
    const m = L.map(element.current, { attributionControl: false, center: [50.42, 9.6], zoom: 11 });
    const outline = L.geoJSON(boundaries as GeoJSON.GeoJsonObject, {
      style: { color: '#1a4a8a', weight: 2, fillOpacity: 0.05 },
    }).addTo(m);
    if (outline.getBounds().isValid()) m.fitBounds(outline.getBounds());
    m.on('click', (event: L.LeafletMouseEvent) => onPickRef.current?.(event.latlng.lat, event.latlng.lng));
    layer.current = L.layerGroup().addTo(m);
    map.current = m;
    return () => {
      m.remove();
      map.current = null;
    };
  }, [boundaries]);

  useEffect(() => {
    const group = layer.current;
    if (!group) return;
    group.clearLayers();
    for (const p of points)
      L.circleMarker([p.latitude, p.longitude], { radius: 7, color: '#1a4a8a', fillOpacity: 0.8 })
        .bindTooltip(p.label)
        .addTo(group);
    if (picked)
      L.circleMarker([picked.latitude, picked.longitude], {
        radius: 10,
        color: '#b00020',
        weight: 3,
        fillOpacity: 0.6,
      }).addTo(group);
  }, [points, picked, boundaries]);

  return <div ref={element} className="srp-map" role="region" aria-label={label} />;
}
