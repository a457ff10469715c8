// The fast rendering of the reader must give exactly what its plain counterpart gives: entityJsonText
// what JSON.stringify(entityJson(...)) gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../entities/entity.repository.js';
import { MODEL } from '../entities/model.js';
import { entityJson, entityJsonText } from './reader.js';

test('entityJsonText is the JSON of entityJson for Observations of every shape', () => {
  const base: Row = {
    id: 42,
    municipality_id: 'm',
    phenomenon_time_start: new Date(Date.UTC(2026, 10, 1, 10)),
    phenomenon_time_end: null,
    result_time: null,
    result_number: 12.5,
    result: null,
    result_quality: null,
    valid_time_start: null,
    valid_time_end: null,
    parameters: null,
  };
  const rows: Row[] = [
    base,
    { ...base, result_number: null, result: 'trocken "nass" \\ ü\n' },
    { ...base, result_number: null, result: [1, null, 'x', 0.30000000000000004] },
    { ...base, result_number: null, result: { b: 1, a: [true, false] } },
    { ...base, result_number: 0, result_quality: 'gut', parameters: { battery: 3.1 } },
    {
      ...base,
      phenomenon_time_end: new Date(Date.UTC(2026, 10, 1, 11)),
      result_time: new Date(Date.UTC(2026, 10, 1, 11, 0, 1)),
      valid_time_start: new Date(Date.UTC(2026, 10, 1)),
      valid_time_end: new Date(Date.UTC(2026, 10, 2)),
    },
  ];
  for (const row of rows)
    for (const self of [
      'https://sensoren.example/sta/v1.1/Observations(42)',
      'http://host/"quoted"\\path/Observations(42)',
    ]) {
      const text = entityJsonText(MODEL.Observations, row, self);
      assert.equal(text, JSON.stringify(entityJson(MODEL.Observations, row, self)));
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.equal(parsed['Datastream@iot.navigationLink'], `${self}/Datastream`);
    }
});

test('entityJsonText matches entityJson for the other entity sets too', () => {
  const thing: Row = {
    id: 7,
    municipality_id: 'm',
    name: 'Pegel Fulda',
    description: 'Wasserstand',
    properties: { river: 'Fulda' },
  };
  const self = 'https://x.example/sta/v1.1/Things(7)';
  assert.equal(
    entityJsonText(MODEL.Things, thing, self),
    JSON.stringify(entityJson(MODEL.Things, thing, self)),
  );
});
