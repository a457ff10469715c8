import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIsoDuration, isoInstant, parseIsoInterval, shiftByDuration } from './iso-time.js';

const at = (iso: string) => new Date(iso);
const instant = (part: string) => {
  const date = new Date(part);
  if (Number.isNaN(date.getTime())) throw new Error(`no instant: ${part}`);
  return date;
};
const invalid = () => new Error('invalid');

test('ISO 8601 durations: every part, and what is not one', () => {
  for (const ok of ['P1Y', 'P2M', 'P1W', 'P3D', 'PT4H', 'PT5M', 'PT6.5S', 'P1Y2M3DT4H5M6S', '-P1D'])
    assert.ok(isIsoDuration(ok), ok);
  for (const no of ['P', 'PT', '1D', 'P1H', 'PT1D', 'P1.5D', 'p1d', 'P1DT'])
    assert.ok(!isIsoDuration(no), no);
});

test('durations shift in UTC by calendar months and years, and by exact hours', () => {
  const start = at('2024-01-31T10:00:00Z');
  assert.equal(shiftByDuration(start, 'P1D', 1)?.toISOString(), '2024-02-01T10:00:00.000Z');
  assert.equal(shiftByDuration(start, 'P1W', -1)?.toISOString(), '2024-01-24T10:00:00.000Z');
  // JavaScript's month arithmetic overflows like PostgreSQL's does not: 31 Jan + 1 month = 2 Mar (leap year).
  assert.equal(shiftByDuration(start, 'P1M', 1)?.toISOString(), '2024-03-02T10:00:00.000Z');
  assert.equal(shiftByDuration(start, 'P1Y', 1)?.toISOString(), '2025-01-31T10:00:00.000Z');
  assert.equal(shiftByDuration(start, 'PT1H30M', 1)?.toISOString(), '2024-01-31T11:30:00.000Z');
  assert.equal(shiftByDuration(start, '-PT30M', 1)?.toISOString(), '2024-01-31T09:30:00.000Z');
  assert.equal(shiftByDuration(start, 'one day', 1), undefined);
});

test('intervals as start/end, start/duration and duration/end', () => {
  const day = { start: at('2024-03-01T00:00:00Z'), end: at('2024-03-02T00:00:00Z') };
  assert.deepEqual(parseIsoInterval('2024-03-01T00:00:00Z/2024-03-02T00:00:00Z', instant, invalid), day);
  assert.deepEqual(parseIsoInterval('2024-03-01T00:00:00Z/P1D', instant, invalid), day);
  assert.deepEqual(parseIsoInterval('PT24H/2024-03-02T00:00:00Z', instant, invalid), day);
  assert.equal(parseIsoInterval('2024-03-01T00:00:00Z', instant, invalid), undefined);
  assert.equal(parseIsoInterval('a/b/c', instant, invalid), undefined);
  assert.throws(() => parseIsoInterval('2024-03-01T00:00:00Z/yesterday', instant, invalid), /no instant/);
  assert.throws(() => parseIsoInterval('2024-03-01T00:00:00Z/P999999999Y', instant, invalid), /invalid/);
});

test('isoInstant writes every instant as toISOString does, also outside the years 1000-9999', () => {
  const instants = [
    Date.UTC(2026, 10, 22, 14, 5, 9, 7),
    Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    Date.UTC(2000, 1, 29),
    Date.UTC(1000, 0, 1),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(999, 11, 31),
    Date.UTC(10000, 0, 1),
    -62198755200000, // the year -1
    0,
  ];
  // And a spread of instants over three centuries, milliseconds included.
  for (let i = 0; i < 2000; i++) instants.push(Date.UTC(1900, 0, 1) + Math.floor(i * 4_733_119_127.3));
  for (const t of instants) assert.equal(isoInstant(new Date(t)), new Date(t).toISOString());
  assert.throws(() => isoInstant(new Date(Number.NaN)), RangeError);
});
