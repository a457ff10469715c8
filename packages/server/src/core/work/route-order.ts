// Orders a crew's stops as a route: nearest neighbour from the depot, by great-circle distance. Good
// enough for a handful of containers in a small municipality, and predictable for the crew.

export interface Stop {
  id: string;
  latitude: number;
  longitude: number;
}

const EARTH_RADIUS_M = 6_371_000;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The stops in visiting order with the distance of each leg; ties keep the input order. */
export function nearestNeighbourRoute<T extends Stop>(
  depot: { latitude: number; longitude: number },
  stops: readonly T[],
): { stop: T; legMetres: number }[] {
  const remaining = [...stops];
  const route: { stop: T; legMetres: number }[] = [];
  let here = depot;
  while (remaining.length > 0) {
    let best = 0;
    let bestDistance = Infinity;
    remaining.forEach((stop, i) => {
      const d = distanceMetres(here, stop);
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    });
    const [next] = remaining.splice(best, 1);
    route.push({ stop: next!, legMetres: Math.round(bestDistance) });
    here = next!;
  }
  return route;
}
