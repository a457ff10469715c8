import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applySilenceCheck,
  conditionHolds,
  evaluate,
  replayHistory,
  RULE_SUBJECT,
  withinSchedule,
  type Condition,
  type SubjectState,
} from './condition.js';

const MIN = 60_000;
const fill: Condition = {
  type: 'threshold',
  datastreamIds: [7],
  operator: '>',
  value: 80,
  hysteresis: 10,
  forSeconds: 600,
};

/** Feeds values (one per minute) and returns whether the condition holds after each. */
function run(c: Condition, subject: string, values: [number, number][]): boolean[] {
  let state: SubjectState = { leaves: {} };
  return values.map(([datastreamId, value], i) => {
    state = evaluate(c, subject, state, { datastreamId, value, time: i * MIN });
    return conditionHolds(c, subject, state);
  });
}

test('a threshold fires only after its minimum duration and clears only past the hysteresis', () => {
  const values = [70, 85, 90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 75, 71, 69, 85].map(
    (v) => [7, v] as [number, number],
  );
  const holds = run(fill, 'datastream:7', values);
  // 85 at minute 1; ten minutes later (minute 11) it has been above for long enough.
  assert.equal(holds.indexOf(true), 11);
  assert.equal(holds[12], true, '75 is inside the hysteresis band (80 - 10)');
  assert.equal(holds[13], true);
  assert.equal(holds[14], false, '69 is below 70: cleared');
  assert.equal(holds[15], false, 'above again, but the minimum duration starts anew');
});

test('a dip below the threshold restarts the minimum duration', () => {
  const values = [85, 85, 85, 79, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85, 85].map(
    (v) => [7, v] as [number, number],
  );
  assert.equal(run(fill, 'datastream:7', values).indexOf(true), 14);
});

test('rate of change per hour, e.g. a river rising more than 10 cm/h', () => {
  const rising: Condition = { type: 'rate', datastreamIds: [3], operator: '>', perHour: 10 };
  let state: SubjectState = { leaves: {} };
  const at = (minutes: number, value: number) => {
    state = evaluate(rising, 'datastream:3', state, { datastreamId: 3, value, time: minutes * MIN });
    return conditionHolds(rising, 'datastream:3', state);
  };
  assert.equal(at(0, 100), false);
  assert.equal(at(15, 102), false, '8 cm/h');
  assert.equal(at(30, 105), true, '12 cm/h');
  assert.equal(at(45, 105), false, 'flat again');
});

test('AND and OR combinations read the state of every leaf', () => {
  const both: Condition = {
    type: 'all',
    conditions: [
      { type: 'threshold', datastreamIds: [1], operator: '>', value: 10 },
      { type: 'threshold', datastreamIds: [2], operator: '<', value: 0 },
    ],
  };
  const either: Condition = { ...both, type: 'any' };
  const seq: [number, number][] = [
    [1, 12],
    [2, 5],
    [2, -1],
    [1, 3],
  ];
  assert.deepEqual(run(both, RULE_SUBJECT, seq), [false, false, true, false]);
  assert.deepEqual(run(either, RULE_SUBJECT, seq), [true, true, true, true]);
});

test('battery low uses the device health delivered with the observation', () => {
  const battery: Condition = { type: 'battery', datastreamIds: [4], belowPercent: 20 };
  let state: SubjectState = { leaves: {} };
  state = evaluate(battery, 'datastream:4', state, {
    datastreamId: 4,
    value: 1,
    time: 0,
    batteryPercent: 35,
  });
  assert.equal(conditionHolds(battery, 'datastream:4', state), false);
  state = evaluate(battery, 'datastream:4', state, {
    datastreamId: 4,
    value: 1,
    time: MIN,
    batteryPercent: 15,
  });
  assert.equal(conditionHolds(battery, 'datastream:4', state), true);
});

test('a silent Datastream is detected by the timer and cleared by new data', () => {
  const silent: Condition = { type: 'silent', datastreamIds: [5], minutes: 30 };
  const leaf = silent.type === 'silent' ? silent : undefined;
  assert.ok(leaf);
  assert.equal(applySilenceCheck(leaf, { active: false, lastTime: 0 }, 29 * MIN).active, false);
  const fired = applySilenceCheck(leaf, { active: false, lastTime: 0 }, 30 * MIN);
  assert.equal(fired.active, true);
  const state = evaluate(
    silent,
    'datastream:5',
    { leaves: { '0:5': fired } },
    { datastreamId: 5, value: 1, time: 31 * MIN },
  );
  assert.equal(conditionHolds(silent, 'datastream:5', state), false);
});

test('late observations do not rewind the state', () => {
  let state: SubjectState = { leaves: {} };
  state = evaluate(fill, 'datastream:7', state, { datastreamId: 7, value: 85, time: 10 * MIN });
  const before = structuredClone(state);
  state = evaluate(fill, 'datastream:7', state, { datastreamId: 7, value: 10, time: 5 * MIN });
  assert.deepEqual(state, before);
});

test('schedules are in Europe/Berlin local time, across daylight saving time', () => {
  const weekdays = { days: [1, 2, 3, 4, 5], from: '07:00', to: '16:00' };
  // Monday 2026-03-30 (summer time, UTC+2): 06:30 UTC is 08:30 local.
  assert.equal(withinSchedule(weekdays, Date.parse('2026-03-30T06:30:00Z')), true);
  assert.equal(withinSchedule(weekdays, Date.parse('2026-03-30T14:30:00Z')), false, '16:30 local');
  // Monday 2026-01-05 (winter time, UTC+1): 06:30 UTC is 07:30 local.
  assert.equal(withinSchedule(weekdays, Date.parse('2026-01-05T06:30:00Z')), true);
  assert.equal(withinSchedule(weekdays, Date.parse('2026-01-10T10:00:00Z')), false, 'a Saturday');
  const night = { days: [1, 2, 3, 4, 5, 6, 7], from: '22:00', to: '06:00' };
  assert.equal(withinSchedule(night, Date.parse('2026-01-05T23:30:00Z')), true, '00:30 local');
  assert.equal(withinSchedule(night, Date.parse('2026-01-05T12:00:00Z')), false);
  assert.equal(withinSchedule(null, 0), true);
});

test('the history replay lists what would have fired, per Datastream, with silence as gaps', () => {
  const any: Condition = { type: 'threshold', datastreamIds: [1, 2], operator: '>', value: 50 };
  const fired = replayHistory(any, null, [
    { datastreamId: 1, time: 0, value: 60 },
    { datastreamId: 2, time: 1, value: 10 },
    { datastreamId: 1, time: 2, value: 40 },
    { datastreamId: 2, time: 3, value: 70 },
  ]);
  assert.deepEqual(fired, [
    { subject: 'datastream:1', openedAt: 0, resolvedAt: 2, value: 60 },
    { subject: 'datastream:2', openedAt: 3, resolvedAt: null, value: 70 },
  ]);
  const silent: Condition = { type: 'silent', datastreamIds: [1], minutes: 10 };
  const gaps = replayHistory(silent, null, [
    { datastreamId: 1, time: 0, value: 1 },
    { datastreamId: 1, time: 5 * MIN, value: 1 },
    { datastreamId: 1, time: 30 * MIN, value: 1 },
  ]);
  assert.deepEqual(gaps, [{ subject: 'datastream:1', openedAt: 15 * MIN, resolvedAt: 30 * MIN, value: 1 }]);
});
