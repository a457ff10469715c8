import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDecoder } from '../ingestion/decoder-sandbox.js';
import { parseTtsMessage } from '../ingestion/uplink.js';
import { PROFILES } from '../devices/profiles.js';
import { DEMO_SENSORS, demoDevEui, rawValues } from './demo-sensors.js';
import { containerFillPct, hourlyRainMm, parkingOccupied, riverLevelCm, temperatureC } from './signals.js';
import { buildTtsUplink, historyFor } from './simulator.js';

const SEED = 'test-seed';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const JULY = Date.UTC(2026, 6, 15);
const JANUARY = Date.UTC(2026, 0, 15);

test('values are deterministic from seed and time', () => {
  const t = Date.UTC(2026, 10, 20, 8, 15);
  assert.equal(temperatureC(SEED, 'a', t), temperatureC(SEED, 'a', t));
  assert.notEqual(temperatureC(SEED, 'a', t), temperatureC('other', 'a', t));
  const sensor = DEMO_SENSORS[0]!;
  assert.deepEqual(rawValues(SEED, sensor, t), rawValues(SEED, sensor, t));
  assert.deepEqual(
    buildTtsUplink(SEED, sensor, t, 15 * 60_000),
    buildTtsUplink(SEED, sensor, t, 15 * 60_000),
  );
});

test('temperature: warmer afternoons than nights, warmer summers than winters', () => {
  let afternoon = 0;
  let night = 0;
  let summer = 0;
  let winter = 0;
  for (let d = 0; d < 30; d++) {
    afternoon += temperatureC(SEED, 'w', JULY + d * DAY + 14 * HOUR);
    night += temperatureC(SEED, 'w', JULY + d * DAY + 3 * HOUR);
    summer += temperatureC(SEED, 'w', JULY + d * DAY + 12 * HOUR);
    winter += temperatureC(SEED, 'w', JANUARY + d * DAY + 12 * HOUR);
  }
  assert.ok(afternoon > night + 30 * 3, 'daily curve');
  assert.ok(summer > winter + 30 * 10, 'seasons');
});

test('the river rises after rain and falls slowly afterwards', () => {
  // Find a rainy hour followed by dry hours and compare the level before, some hours after and days after.
  let hour = Math.floor(JULY / HOUR);
  while (!(hourlyRainMm(SEED, hour) > 1 && hourlyRainMm(SEED, hour - 1) === 0)) hour++;
  const before = riverLevelCm(SEED, 'p', hour * HOUR, 50);
  const peak = Math.max(...[4, 6, 8, 10].map((h) => riverLevelCm(SEED, 'p', (hour + h) * HOUR, 50)));
  assert.ok(peak > before + 3, `rises: ${before} → ${peak}`);
  let dry = hour + 12;
  while ([...Array(96).keys()].some((i) => hourlyRainMm(SEED, dry - i) > 0)) dry++;
  assert.ok(riverLevelCm(SEED, 'p', dry * HOUR, 50) < peak, 'falls once the rain has drained');
});

test('glass containers fill up and are emptied', () => {
  const values = [...Array(24 * 30).keys()].map((h) => containerFillPct(SEED, 'g', JULY + h * HOUR));
  assert.ok(Math.max(...values) > 70, 'fills up');
  assert.ok(Math.min(...values) < 5, 'gets emptied');
  const drops = values.filter((v, i) => i > 0 && values[i - 1]! - v > 40).length;
  assert.ok(drops >= 2 && drops <= 5, `emptied every 7 to 14 days: ${drops} times in 30 days`);
});

test('parking lots fill by time of day', () => {
  const monday = Date.UTC(2026, 10, 16);
  const morning = parkingOccupied(SEED, 'p', monday + 9 * HOUR, 80);
  const night = parkingOccupied(SEED, 'p', monday + 2 * HOUR, 80);
  assert.ok(morning > night + 30, `${night} at night, ${morning} in the morning`);
});

test('simulated uplinks decode with the shipped decoders to plausible values', async () => {
  const t = Date.UTC(2026, 10, 20, 8, 15);
  for (const sensor of DEMO_SENSORS) {
    const profile = PROFILES[sensor.profile];
    const message = parseTtsMessage(buildTtsUplink(SEED, sensor, t, 15 * 60_000), 'simulator');
    assert.equal(message.kind, 'uplink');
    if (message.kind !== 'uplink') continue;
    assert.equal(message.devEui, demoDevEui(sensor));
    const decoded = await runDecoder(profile.decoder, { bytes: [...message.bytes!], fPort: 2 });
    const values = profile.convert(decoded.data, sensor.mounting);
    for (const m of profile.measurements) {
      const v = values[m.field]!;
      assert.ok(v >= m.min && v <= m.max, `${sensor.key} ${m.field} = ${v}`);
    }
  }
  assert.equal(new Set(DEMO_SENSORS.map(demoDevEui)).size, DEMO_SENSORS.length, 'distinct DevEUIs');
});

test('history has one value per field and slot', () => {
  const sensor = DEMO_SENSORS.find((s) => s.profile === 'weather-station')!;
  const device = { field_map: { temperature_c: 1, humidity_pct: 2, rain_mm: 3, wind_ms: 4 }, mounting: {} };
  const from = Date.UTC(2026, 0, 1);
  const inputs = historyFor(SEED, sensor, device, from, from + 6 * HOUR, 15 * 60_000);
  assert.equal(inputs.length, 24 * 4);
  assert.equal(inputs[0]!.phenomenonTime.start.getTime(), from);
});
