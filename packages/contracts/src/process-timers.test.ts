import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ISO_DURATION } from './process-timers.js';

test('ISO 8601 durations with at least one part pass; anything else does not', () => {
  for (const ok of ['P3D', 'P2W', 'PT12H', 'P1DT6H', 'P1Y2M', 'PT30M', 'PT45S', 'P1Y2M3W4DT5H6M7S'])
    assert.ok(ISO_DURATION.test(ok), ok);
  for (const bad of ['', 'P', 'PT', 'P3', '3D', 'P3DT', 'P-1D', 'p3d', 'P1.5D', 'drei Tage', 'P3D '])
    assert.ok(!ISO_DURATION.test(bad), bad);
});
