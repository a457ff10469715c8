import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../core/errors.js';
import { sample } from './test-samples.js';
import { parseChirpstackEvent, parseTtsMessage } from './uplink.js';

test('a The Things Stack v3 uplink: ids, frame, payload, times and the best gateway', () => {
  const up = parseTtsMessage(sample('tts-v3-uplink-water-level.json'));
  assert.equal(up.kind, 'uplink');
  if (up.kind !== 'uplink') return;
  assert.equal(up.devEui, 'A84041000181C7F1');
  assert.equal(up.messageId, 'as:up:01J9Z7W2X3K4M5N6P7Q8R9S0T1');
  assert.equal(up.fCnt, 4711);
  assert.equal(up.fPort, 2);
  assert.deepEqual([...up.bytes!], [0x0c, 0xe4, 0x05, 0xdc]);
  assert.deepEqual(up.decoded, { battery_mv: 3300, distance_mm: 1500 });
  assert.equal(up.receivedAt.toISOString(), '2026-11-20T08:15:02.050Z');
  assert.equal(up.gatewayTime?.toISOString(), '2026-11-20T08:15:01.987Z');
  assert.equal(up.rssi, -97);
  assert.equal(up.snr, 7.25);
});

test('a ChirpStack v4 up event', () => {
  const up = parseChirpstackEvent('up', sample('chirpstack-v4-up-container-fill.json'));
  assert.equal(up.kind, 'uplink');
  if (up.kind !== 'uplink') return;
  assert.equal(up.devEui, '0101010101010101');
  assert.equal(up.messageId, '3ac7e3c4-4401-4b8d-9386-a5c902f9202d');
  assert.equal(up.fCnt, 102);
  assert.deepEqual([...up.bytes!], [0x0c, 0x80, 0x00, 0xfa]);
  assert.deepEqual(up.decoded, { battery_mv: 3200, distance_mm: 250 });
  assert.equal(up.receivedAt.toISOString(), '2026-11-20T08:20:11.512Z');
  assert.equal(up.rssi, -105);
  assert.equal(up.snr, 2.5);
});

test('a ChirpStack status event carries the battery level', () => {
  const event = parseChirpstackEvent('status', {
    deviceInfo: { devEui: '0101010101010101' },
    time: '2026-11-20T09:00:00Z',
    margin: 7,
    batteryLevel: 81.5,
  });
  assert.deepEqual(event.kind === 'event' && [event.event, event.batteryPercent], ['status', 81.5]);
});

test('messages that are none are client errors', () => {
  const bad = [
    () => parseTtsMessage([]),
    () => parseTtsMessage({ end_device_ids: { device_id: 'x' }, uplink_message: {} }),
    () => parseTtsMessage({ end_device_ids: { dev_eui: 'A84041000181C7F1' } }),
    () =>
      parseTtsMessage({
        end_device_ids: { dev_eui: 'A84041000181C7F1' },
        uplink_message: { frm_payload: '!!' },
      }),
    () => parseChirpstackEvent('up', { deviceInfo: { devEui: 'zz' } }),
  ];
  for (const parse of bad) assert.throws(parse, (e) => e instanceof AppError && e.status === 400);
});
