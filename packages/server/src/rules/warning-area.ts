// The area of a rule's public warning: the rule's own polygon, else a circle around the sensor's Thing,
// else the municipality's boundary (kept by participation for routing reports). GeoJSON order is
// [longitude, latitude]; the circle is a 32-gon, close enough for "around the gauge" on a map.
import type { Static } from 'typebox';
import { isBoundary, type Boundary, type Position } from '../participation/geo.js';
import type { Area } from './rules.schema.js';

export const DEFAULT_RADIUS_METRES = 500;
const EARTH_RADIUS_M = 6_371_000;

/** A closed polygon approximating a circle of radiusMetres around the point. */
export function circle(
  centre: { latitude: number; longitude: number },
  radiusMetres: number,
  segments = 32,
): Boundary {
  const dLat = (radiusMetres / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = dLat / Math.cos((centre.latitude * Math.PI) / 180);
  const ring: Position[] = [];
  for (let i = 0; i < segments; i++) {
    const a = (2 * Math.PI * i) / segments;
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    ring.push([round(centre.longitude + dLon * Math.cos(a)), round(centre.latitude + dLat * Math.sin(a))]);
  }
  ring.push(ring[0]!);
  return { type: 'Polygon', coordinates: [ring] };
}

export function warningArea(input: {
  ruleArea: Static<typeof Area> | undefined;
  point: { latitude: number; longitude: number } | null;
  radiusMetres: number | undefined;
  boundary: unknown;
}): Boundary | null {
  if (input.ruleArea && isBoundary(input.ruleArea)) return input.ruleArea;
  if (input.point) return circle(input.point, input.radiusMetres ?? DEFAULT_RADIUS_METRES);
  return isBoundary(input.boundary) ? input.boundary : null;
}
