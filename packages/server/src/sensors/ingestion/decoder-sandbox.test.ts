import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROFILES } from '../devices/profiles.js';
import { DecoderError, runDecoder } from './decoder-sandbox.js';

const limits = { timeoutMs: 200, memoryBytes: 8 * 1024 * 1024 };
const input = { bytes: [0x0c, 0xe4, 0x05, 0xdc], fPort: 2 };

async function failure(code: string): Promise<DecoderError> {
  try {
    await runDecoder(code, input, limits);
  } catch (error) {
    assert.ok(error instanceof DecoderError, String(error));
    return error;
  }
  assert.fail('the decoder should have failed');
}

describe('decoder sandbox', () => {
  test('runs a decoder with the LoRaWAN codec signature', async () => {
    const output = await runDecoder(PROFILES['water-level'].decoder, input, limits);
    assert.deepEqual(output, { data: { battery_mv: 3300, distance_mm: 1500 }, warnings: [], errors: [] });
  });

  test('an endless loop is interrupted', async () => {
    assert.equal((await failure('function decodeUplink(input) { for (;;) {} }')).reason, 'decoder_timeout');
  });

  test('a memory blow-up is contained', async () => {
    const error = await failure(
      'function decodeUplink(input) { var a = []; for (;;) a.push(new Array(1e6).fill(0)); }',
    );
    assert.equal(error.reason, 'decoder_memory');
  });

  test('a decoder stalling inside one native call is stopped by terminating its worker', async () => {
    const error = await failure(
      'function decodeUplink(input) { var a = []; for (;;) a.push(new Array(1e5).fill(0)); }',
    );
    assert.ok(['decoder_timeout', 'decoder_memory'].includes(error.reason), error.reason);
    const next = await runDecoder(PROFILES['water-level'].decoder, input, limits);
    assert.equal(next.data.distance_mm, 1500, 'a fresh worker takes the next run');
  });

  test('deep recursion is contained', async () => {
    const error = await failure(
      'function f(n) { return f(n + 1) + 1; } function decodeUplink() { return f(0); }',
    );
    assert.equal(error.reason, 'decoder_memory');
  });

  test('a throwing decoder, reported errors and syntax errors are decoder errors', async () => {
    assert.equal(
      (await failure('function decodeUplink() { throw new Error("kaputt"); }')).reason,
      'decoder_threw',
    );
    assert.equal(
      (await failure('function decodeUplink() { return { errors: ["bad port"] }; }')).reason,
      'decoder_threw',
    );
    assert.equal((await failure('function decodeUplink( {')).reason, 'decoder_threw');
    assert.equal((await failure('var x = 1;')).reason, 'decoder_threw', 'no decodeUplink at all');
  });

  test('garbage results are rejected', async () => {
    for (const result of ['42', '"text"', 'null', '[1, 2]', '{ data: 5 }', '{ data: {}, warnings: "no" }'])
      assert.equal(
        (await failure(`function decodeUplink() { return ${result}; }`)).reason,
        'decoder_invalid_output',
        result,
      );
    const huge = await failure(
      'function decodeUplink() { return { data: { s: new Array(100000).join("y") } }; }',
    );
    assert.equal(huge.reason, 'decoder_invalid_output');
  });

  test('the sandbox has no host: no require, process, fetch, timers or file system', async () => {
    const output = await runDecoder(
      `function decodeUplink() {
        return { data: { kinds: [typeof require, typeof process, typeof fetch, typeof setTimeout, typeof std, typeof os].join(",") } };
      }`,
      input,
      limits,
    );
    assert.equal(output.data.kinds, 'undefined,undefined,undefined,undefined,undefined,undefined');
  });

  test('every run starts fresh: globals of one run are gone in the next', async () => {
    await runDecoder('globalThis.leak = 1; function decodeUplink() { return { data: {} }; }', input, limits);
    const output = await runDecoder(
      'function decodeUplink() { return { data: { leak: typeof leak } }; }',
      input,
      limits,
    );
    assert.equal(output.data.leak, 'undefined');
  });
});

describe('shipped profiles', () => {
  test('encode and decode agree for every profile', async () => {
    const samples = {
      'weather-station': {
        battery_mv: 3412,
        temperature_c: -3.25,
        humidity_pct: 87.5,
        rain_mm: 1.2,
        wind_ms: 4.37,
      },
      'water-level': { battery_mv: 3300, distance_mm: 1500 },
      'container-fill': { battery_mv: 3200, distance_mm: 250 },
      parking: { battery_mv: 3500, free_spaces: 17, occupied_spaces: 43 },
    } as const;
    for (const [id, values] of Object.entries(samples)) {
      const profile = PROFILES[id as keyof typeof samples];
      const bytes = [...profile.encode(values)];
      const output = await runDecoder(profile.decoder, { bytes, fPort: 2 }, limits);
      assert.deepEqual(output.data, values, id);
    }
  });

  test('conversions use the mounting parameters', () => {
    assert.deepEqual(PROFILES['water-level'].convert({ distance_mm: 1500 }, { mountingHeightCm: 400 }), {
      water_level_cm: 250,
    });
    assert.deepEqual(PROFILES['container-fill'].convert({ distance_mm: 250 }, { containerDepthMm: 1000 }), {
      fill_level_pct: 75,
    });
    assert.deepEqual(
      PROFILES['container-fill'].convert({ distance_mm: 1030 }, { containerDepthMm: 1000 }),
      { fill_level_pct: 0 },
      'echo noise below the floor reads as empty',
    );
    assert.ok(Number.isNaN(PROFILES['water-level'].convert({}, { mountingHeightCm: 400 }).water_level_cm));
  });
});
