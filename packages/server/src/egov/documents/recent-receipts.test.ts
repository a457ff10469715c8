import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentReceipts } from './recent-receipts.js';

test('remembers receipts for a while, the newest within the count', () => {
  let now = 1_000;
  const recent = new RecentReceipts({ max: 2, maxAgeMs: 60_000, now: () => now });
  const pdf = (n: number) => Buffer.from(`%PDF-${n}`);
  recent.remember('a', pdf(1));
  recent.remember('b', pdf(2));
  assert.deepEqual(recent.get('a'), pdf(1));
  recent.remember('c', pdf(3));
  assert.equal(recent.get('a'), undefined, 'the oldest makes room');
  assert.deepEqual(recent.get('b'), pdf(2));
  assert.deepEqual(recent.get('c'), pdf(3));
  assert.equal(recent.get('unknown'), undefined);

  now += 60_000;
  assert.equal(recent.get('b'), undefined, 'too old: read from storage');
  // A new receipt also clears the expired ones, so no plaintext outlives its age.
  recent.remember('d', pdf(4));
  now += 1;
  assert.equal(recent.get('c'), undefined);
  assert.deepEqual(recent.get('d'), pdf(4));
});
