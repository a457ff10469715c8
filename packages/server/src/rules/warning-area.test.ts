import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceMetres } from '../core/work/route-order.js';
import { contains, rectangle } from '../participation/geo.js';
import { circle, warningArea } from './warning-area.js';

test('a circle is a closed polygon whose corners lie at the radius', () => {
  const centre = { latitude: 50.42, longitude: 9.57 };
  const area = circle(centre, 800);
  assert.equal(area.type, 'Polygon');
  const ring = area.coordinates[0] as [number, number][];
  assert.equal(ring.length, 33);
  assert.deepEqual(ring[0], ring.at(-1));
  for (const [longitude, latitude] of ring)
    assert.ok(Math.abs(distanceMetres(centre, { latitude, longitude }) - 800) < 5);
  assert.ok(contains(area, 50.42, 9.57));
});

test("the rule's polygon wins, then a circle around the sensor, then the municipality boundary", () => {
  const own = rectangle(50, 9, 50.1, 9.1);
  const boundary = rectangle(49, 8, 51, 10);
  const point = { latitude: 50.5, longitude: 9.5 };
  assert.deepEqual(warningArea({ ruleArea: own, point, radiusMetres: 100, boundary }), own);
  const around = warningArea({ ruleArea: undefined, point, radiusMetres: undefined, boundary });
  assert.ok(around && contains(around, 50.5, 9.5) && !contains(around, 50.51, 9.5), 'default 500 m');
  assert.deepEqual(
    warningArea({ ruleArea: undefined, point: null, radiusMetres: undefined, boundary }),
    boundary,
  );
  assert.equal(
    warningArea({ ruleArea: undefined, point: null, radiusMetres: undefined, boundary: { type: 'Point' } }),
    null,
  );
});
