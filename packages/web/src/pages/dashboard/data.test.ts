import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNewerLive, type LatestValue } from './data.js';

const value = (id: number, time: string | null, v: number, unit: string | null = '°C'): LatestValue => ({
  id,
  time,
  value: v,
  unit,
});

void test('a value pushed while the latest values were loading is not overwritten by the older answer', () => {
  const answer = [value(1, '2026-11-22T10:00:00.000Z', 20), value(2, '2026-11-22T10:00:00.000Z', 5, 'cm')];
  // Pushed live before the answer arrived: newer for 1, older for 2, and 3 had no value in the answer.
  const pushed = new Map([
    [1, value(1, '2026-11-22T10:05:00.000Z', 31.7, null)],
    [2, value(2, '2026-11-22T09:00:00.000Z', 4, null)],
    [3, value(3, '2026-11-22T10:05:00.000Z', 7, null)],
  ]);
  const merged = withNewerLive([1, 2, 3], answer, pushed);
  assert.deepEqual(merged.get(1), value(1, '2026-11-22T10:05:00.000Z', 31.7, '°C'));
  assert.deepEqual(merged.get(2), answer[1]);
  assert.deepEqual(merged.get(3), value(3, '2026-11-22T10:05:00.000Z', 7, null));
  // Values of Datastreams no longer asked for are left behind.
  assert.equal(
    withNewerLive([1], answer, new Map([[9, value(9, '2026-11-22T11:00:00.000Z', 1)]])).has(9),
    false,
  );
});
