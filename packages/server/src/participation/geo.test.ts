import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundingBox, contains, isBoundary, type Boundary } from './geo.js';

const square: Boundary = {
  type: 'Polygon',
  coordinates: [
    [
      [9, 50],
      [10, 50],
      [10, 51],
      [9, 51],
      [9, 50],
    ],
    // a hole in the middle
    [
      [9.4, 50.4],
      [9.6, 50.4],
      [9.6, 50.6],
      [9.4, 50.6],
      [9.4, 50.4],
    ],
  ],
};

test('points inside, outside and in a hole of a polygon (GeoJSON order: longitude, latitude)', () => {
  assert.equal(contains(square, 50.2, 9.2), true);
  assert.equal(contains(square, 50.5, 9.5), false, 'in the hole');
  assert.equal(contains(square, 52, 9.5), false);
  assert.equal(contains(square, 9.5, 50.2), false, 'swapped coordinates are elsewhere');
});

test('multipolygons and bounding boxes', () => {
  const multi: Boundary = {
    type: 'MultiPolygon',
    coordinates: [
      square.coordinates,
      [
        [
          [11, 50],
          [12, 50],
          [12, 51],
          [11, 50],
        ],
      ],
    ],
  };
  assert.equal(contains(multi, 50.2, 11.8), true);
  assert.deepEqual(boundingBox(multi), { minLat: 50, minLon: 9, maxLat: 51, maxLon: 12 });
});

test('only closed GeoJSON polygons with valid positions are boundaries', () => {
  assert.equal(isBoundary(square), true);
  assert.equal(isBoundary({ type: 'Point', coordinates: [9, 50] }), false);
  assert.equal(
    isBoundary({
      type: 'Polygon',
      coordinates: [
        [
          [9, 50],
          [10, 50],
        ],
      ],
    }),
    false,
  );
  assert.equal(
    isBoundary({
      type: 'Polygon',
      coordinates: [
        [
          [9, 50],
          [200, 50],
          [10, 51],
          [9, 50],
        ],
      ],
    }),
    false,
  );
});
