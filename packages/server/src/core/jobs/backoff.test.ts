import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from './backoff.js';

const options = { baseMs: 1000, capMs: 10_000 };

void test('the delay doubles with each failed attempt between half and all of its ceiling', () => {
  assert.equal(
    retryDelayMs(1, options, () => 0),
    500,
  );
  assert.equal(
    retryDelayMs(1, options, () => 1),
    1000,
  );
  assert.equal(
    retryDelayMs(2, options, () => 0),
    1000,
  );
  assert.equal(
    retryDelayMs(3, options, () => 1),
    4000,
  );
});

void test('the delay never exceeds the cap, also after very many attempts', () => {
  assert.equal(
    retryDelayMs(5, options, () => 1),
    10_000,
  );
  assert.equal(
    retryDelayMs(1000, options, () => 1),
    10_000,
  );
  assert.equal(
    retryDelayMs(1000, options, () => 0),
    5000,
  );
});

void test('jitter spreads jobs that failed at the same time', () => {
  const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, options)));
  assert.ok(delays.size > 1);
  for (const delay of delays) assert.ok(delay >= 4000 && delay <= 8000, `${delay} within [4000, 8000]`);
});
