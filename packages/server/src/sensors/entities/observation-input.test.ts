// The Observation a device publishes below a Datastream is read by a fast path for the usual shape; it
// must read exactly what the general parser reads, and leave every other shape to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObservationService } from '../observations/observation.service.js';
import { EntityService } from './entity.service.js';

const entities = new EntityService({} as never, {} as ObservationService);
const below = { set: 'Datastreams' as const, id: 7 };
/** The general path: the same body with the Datastream linked in it instead of by the topic. */
const general = (body: Record<string, unknown>) =>
  entities.observationInputOf({ ...body, Datastream: { '@iot.id': 7 } });

test('the usual device message reads the same on the fast path as on the general one', () => {
  const bodies: Record<string, unknown>[] = [
    { phenomenonTime: '2026-11-01T10:00:00Z', result: 12.5 },
    { phenomenonTime: '2026-11-01T10:00:00.123+01:00', result: 0 },
    { result: -3, phenomenonTime: '2026-11-01T10:00:00Z/2026-11-01T11:00:00Z' },
    { phenomenonTime: '2026-11-01T10:00:00Z/PT15M', result: 'trocken', resultTime: '2026-11-01T10:15:00Z' },
    { phenomenonTime: '2026-11-01T10:00:00Z', result: { level: 3, unit: 'cm' }, resultTime: null },
    { phenomenonTime: '2026-11-01T10:00:00Z', result: [1, 2, null] },
    { phenomenonTime: '2026-11-01T10:00:00Z', result: false },
    // A reading that yielded no value: result is mandatory, but null is a value.
    { phenomenonTime: '2026-11-01T10:00:00Z', result: null },
  ];
  for (const body of bodies) {
    const fast = entities.observationInputOf(body, below);
    assert.ok(fast, JSON.stringify(body));
    assert.deepEqual(fast, general(body), JSON.stringify(body));
    assert.deepEqual(Object.keys(fast), Object.keys(general(body)!), 'the same shape');
  }
  // Without phenomenonTime: now, on both paths.
  const now = entities.observationInputOf({ result: 1 }, below)!;
  assert.ok(Math.abs(now.phenomenonTime.start.getTime() - Date.now()) < 60_000);
  assert.equal(now.phenomenonTime.end, null);
});

test('invalid values are refused on the fast path as on the general one; other shapes take the general path', () => {
  for (const invalid of [
    { phenomenonTime: '2026-11-01', result: 1 },
    { phenomenonTime: null, result: 1 },
    { phenomenonTime: '2026-11-01T10:00:00Z' },
    { phenomenonTime: '2026-11-01T10:00:00Z', result: 1, resultTime: 'gestern' },
    { phenomenonTime: '2026-11-01T11:00:00Z/2026-11-01T10:00:00Z', result: 1 },
    { phenomenonTime: '2026-11-01T10:00:00Z', result: 1, colour: 'blau' },
  ]) {
    assert.equal(entities.observationInputOf(invalid, below), null, JSON.stringify(invalid));
    assert.equal(general(invalid), null, JSON.stringify(invalid));
  }
  // Fields beyond the usual three are read by the general path, also below a Datastream.
  const rich = entities.observationInputOf(
    { phenomenonTime: '2026-11-01T10:00:00Z', result: 1, parameters: { battery: 3.1 }, resultQuality: 'gut' },
    below,
  );
  assert.deepEqual(rich?.parameters, { battery: 3.1 });
  assert.equal(rich?.resultQuality, 'gut');
  assert.equal(rich?.datastreamId, 7);
});

test("a link repeating the topic's parent reads as without it; another parent is left to the general path", () => {
  const body = { phenomenonTime: '2026-11-01T10:00:00Z', result: 1, FeatureOfInterest: { '@iot.id': 3 } };
  const repeated = entities.observationInputOf({ ...body, Datastream: { '@iot.id': 7 } }, below);
  assert.deepEqual(repeated, entities.observationInputOf(body, below));
  assert.equal(repeated?.datastreamId, 7);
  assert.equal(entities.observationInputOf({ ...body, Datastream: { '@iot.id': 8 } }, below), null);
  const viaFeature = { set: 'FeaturesOfInterest' as const, id: 3 };
  assert.deepEqual(
    entities.observationInputOf({ ...body, Datastream: { '@iot.id': 7 } }, viaFeature),
    entities.observationInputOf({ ...body, Datastream: { '@iot.id': 7 } }),
  );
});
