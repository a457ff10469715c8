import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceMetres, nearestNeighbourRoute } from './route-order.js';

test('distances are great-circle metres', () => {
  // Flieden to Neuhof, about 8.5 km as the crow flies.
  const d = distanceMetres(
    { latitude: 50.4236, longitude: 9.5667 },
    { latitude: 50.4534, longitude: 9.6143 },
  );
  assert.ok(d > 4_000 && d < 5_000, `${d}`);
  assert.equal(distanceMetres({ latitude: 50, longitude: 9 }, { latitude: 50, longitude: 9 }), 0);
});

test('the route always goes to the nearest remaining stop, starting at the depot', () => {
  const depot = { latitude: 50.0, longitude: 9.0 };
  const stops = [
    { id: 'far', latitude: 50.03, longitude: 9.0 },
    { id: 'near', latitude: 50.001, longitude: 9.0 },
    { id: 'middle', latitude: 50.01, longitude: 9.0 },
    { id: 'east', latitude: 50.011, longitude: 9.01 },
  ];
  const route = nearestNeighbourRoute(depot, stops);
  assert.deepEqual(
    route.map((r) => r.stop.id),
    ['near', 'middle', 'east', 'far'],
  );
  assert.ok(route.every((r) => r.legMetres >= 0));
  assert.equal(nearestNeighbourRoute(depot, []).length, 0);
});
