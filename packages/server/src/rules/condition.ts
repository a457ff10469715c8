// The rule language and its evaluation, free of I/O: the live path (rule.engine.ts), the timer path
// (silence checks) and the history test all run the same functions over a state that the caller keeps
// (in the database for the live path, in memory for the history test).
import Type, { type Static } from 'typebox';

const DatastreamIds = Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 50 });

export const ThresholdCondition = Type.Object(
  {
    type: Type.Literal('threshold'),
    datastreamIds: DatastreamIds,
    operator: Type.Enum(['>', '<']),
    value: Type.Number(),
    /** The alert clears only once the value is this far back on the other side (no flapping at the edge). */
    hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
    /** The value must stay beyond the threshold this long before the rule fires. */
    forSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })),
  },
  { additionalProperties: false },
);

export const RateCondition = Type.Object(
  {
    type: Type.Literal('rate'),
    datastreamIds: DatastreamIds,
    operator: Type.Enum(['>', '<']),
    /** Change per hour in the Datastream's unit, e.g. 10 for "rising more than 10 cm/h". */
    perHour: Type.Number(),
    hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const SilentCondition = Type.Object(
  {
    type: Type.Literal('silent'),
    datastreamIds: DatastreamIds,
    minutes: Type.Integer({ minimum: 1, maximum: 30 * 1440 }),
  },
  { additionalProperties: false },
);

export const BatteryCondition = Type.Object(
  {
    type: Type.Literal('battery'),
    datastreamIds: DatastreamIds,
    belowPercent: Type.Number({ minimum: 1, maximum: 100 }),
  },
  { additionalProperties: false },
);

export const LeafCondition = Type.Union([
  ThresholdCondition,
  RateCondition,
  SilentCondition,
  BatteryCondition,
]);
export type LeafCondition = Static<typeof LeafCondition>;

export const CombinedCondition = Type.Object(
  {
    type: Type.Enum(['all', 'any']),
    conditions: Type.Array(LeafCondition, { minItems: 2, maxItems: 10 }),
  },
  { additionalProperties: false },
);

export const Condition = Type.Union([LeafCondition, CombinedCondition]);
export type Condition = Static<typeof Condition>;

/** Active only on these weekdays (1 = Monday) and between these local times (Europe/Berlin). */
export const Schedule = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
    from: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    to: Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$' }),
  },
  { additionalProperties: false },
);
export type Schedule = Static<typeof Schedule>;

/** What one leaf remembers between observations. */
export interface LeafState {
  active: boolean;
  /** Since when the value is beyond the threshold (minimum duration). */
  pendingSince?: number | null;
  lastValue?: number | null;
  /** Time of the newest observation seen (ms). */
  lastTime?: number | null;
  /** A silence check is queued for this time (ms). */
  checkAt?: number | null;
}

/** State of one subject of a rule: a Datastream for a single condition, 'rule' for a combination. */
export interface SubjectState {
  leaves: Record<string, LeafState>;
}

export const RULE_SUBJECT = 'rule';

export function isCombined(c: Condition): c is Static<typeof CombinedCondition> {
  return c.type === 'all' || c.type === 'any';
}

export function leavesOf(c: Condition): LeafCondition[] {
  return isCombined(c) ? c.conditions : [c];
}

export function datastreamsOf(c: Condition): number[] {
  return [...new Set(leavesOf(c).flatMap((l) => l.datastreamIds))];
}

/**
 * The subjects a rule is evaluated for: one per Datastream when the rule is a single condition
 * ("any glass container above 80 %" gives one alert per container), the rule itself for a combination.
 */
export function subjectsFor(c: Condition, datastreamId: number): string[] {
  if (isCombined(c))
    return leavesOf(c).some((l) => l.datastreamIds.includes(datastreamId)) ? [RULE_SUBJECT] : [];
  return c.datastreamIds.includes(datastreamId) ? [`datastream:${datastreamId}`] : [];
}

/** Key of a leaf's state for one Datastream. */
export const leafKey = (index: number, datastreamId: number) => `${index}:${datastreamId}`;

export interface ObservationFact {
  datastreamId: number;
  time: number;
  value: number;
  /** Battery of the device behind the Datastream, when known. */
  batteryPercent?: number | null;
}

function beyond(operator: '>' | '<', value: number, threshold: number): boolean {
  return operator === '>' ? value > threshold : value < threshold;
}

/** Still beyond, allowing for the hysteresis once active. */
function stillBeyond(operator: '>' | '<', value: number, threshold: number, hysteresis: number): boolean {
  return operator === '>' ? value > threshold - hysteresis : value < threshold + hysteresis;
}

/** Applies one observation to one leaf; returns the leaf's new state. */
export function applyObservation(
  leaf: LeafCondition,
  previous: LeafState | undefined,
  fact: ObservationFact,
) {
  const state: LeafState = { active: false, ...previous };
  if (state.lastTime != null && fact.time < state.lastTime) return state; // late data does not rewind state
  switch (leaf.type) {
    case 'threshold': {
      const hit = state.active
        ? stillBeyond(leaf.operator, fact.value, leaf.value, leaf.hysteresis ?? 0)
        : beyond(leaf.operator, fact.value, leaf.value);
      if (!hit) {
        state.active = false;
        state.pendingSince = null;
      } else if (!state.active) {
        state.pendingSince = state.pendingSince ?? fact.time;
        state.active = fact.time - state.pendingSince >= (leaf.forSeconds ?? 0) * 1000;
      }
      break;
    }
    case 'rate': {
      if (state.lastTime != null && state.lastValue != null && fact.time > state.lastTime) {
        const perHour = ((fact.value - state.lastValue) / (fact.time - state.lastTime)) * 3_600_000;
        state.active = state.active
          ? stillBeyond(leaf.operator, perHour, leaf.perHour, leaf.hysteresis ?? 0)
          : beyond(leaf.operator, perHour, leaf.perHour);
      }
      break;
    }
    case 'silent':
      state.active = false;
      break;
    case 'battery':
      if (fact.batteryPercent != null) state.active = fact.batteryPercent < leaf.belowPercent;
      break;
  }
  state.lastValue = fact.value;
  state.lastTime = fact.time;
  return state;
}

/** The timer path: is a silent leaf's Datastream silent at `now`? */
export function applySilenceCheck(
  leaf: LeafCondition,
  previous: LeafState | undefined,
  now: number,
): LeafState {
  const state: LeafState = { active: false, ...previous, checkAt: null };
  if (leaf.type !== 'silent') return state;
  const last = state.lastTime ?? null;
  if (last !== null && now - last >= leaf.minutes * 60_000) state.active = true;
  return state;
}

/** Whether the subject's condition holds, from the leaves' states. */
export function conditionHolds(c: Condition, subject: string, state: SubjectState): boolean {
  const leafActive = (leaf: LeafCondition, index: number) => {
    const ids = subject === RULE_SUBJECT ? leaf.datastreamIds : [Number(subject.slice('datastream:'.length))];
    // Within a combination, a leaf on several Datastreams holds when it holds for any of them.
    return ids.some((id) => state.leaves[leafKey(index, id)]?.active === true);
  };
  if (!isCombined(c)) return leafActive(c, 0);
  const results = c.conditions.map(leafActive);
  return c.type === 'all' ? results.every(Boolean) : results.some(Boolean);
}

/** Applies an observation to every leaf of the subject that watches its Datastream. */
export function evaluate(
  c: Condition,
  subject: string,
  state: SubjectState,
  fact: ObservationFact,
): SubjectState {
  const leaves = { ...state.leaves };
  leavesOf(c).forEach((leaf, index) => {
    if (!leaf.datastreamIds.includes(fact.datastreamId)) return;
    const key = leafKey(index, fact.datastreamId);
    leaves[key] = applyObservation(leaf, leaves[key], fact);
  });
  return { leaves };
}

const berlinParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Whether the schedule allows firing at this instant (local time in Europe/Berlin, DST included). */
export function withinSchedule(schedule: Schedule | null | undefined, at: number): boolean {
  if (!schedule) return true;
  const parts = Object.fromEntries(berlinParts.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const day = WEEKDAYS[parts.weekday ?? ''] ?? 0;
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const [fh, fm] = schedule.from.split(':').map(Number) as [number, number];
  const [th, tm] = schedule.to.split(':').map(Number) as [number, number];
  const from = fh * 60 + fm;
  const to = th * 60 + tm;
  if (!schedule.days.includes(day)) return false;
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

export interface HistoryPoint {
  datastreamId: number;
  time: number;
  value: number;
}

export interface WouldHaveFired {
  subject: string;
  openedAt: number;
  resolvedAt: number | null;
  value: number;
}

/**
 * What a rule would have fired over stored history: the same evaluation from an empty state, points in
 * time order. Silence shows as a gap between two points of a Datastream longer than the limit.
 */
export function replayHistory(
  c: Condition,
  schedule: Schedule | null | undefined,
  points: readonly HistoryPoint[],
): WouldHaveFired[] {
  const states = new Map<string, SubjectState>();
  const open = new Map<string, WouldHaveFired>();
  const fired: WouldHaveFired[] = [];
  const settle = (subject: string, state: SubjectState, time: number, value: number) => {
    const holds = conditionHolds(c, subject, state);
    const current = open.get(subject);
    if (holds && !current && withinSchedule(schedule, time)) {
      const alert = { subject, openedAt: time, resolvedAt: null, value };
      open.set(subject, alert);
      fired.push(alert);
    } else if (!holds && current) {
      current.resolvedAt = time;
      open.delete(subject);
    }
  };
  for (const point of points) {
    for (const subject of subjectsFor(c, point.datastreamId)) {
      let state = states.get(subject) ?? { leaves: {} };
      // Silence: a gap longer than the limit counts as silent from its end of tolerance to this point.
      const gapLeaves = leavesOf(c)
        .map((leaf, index) => ({ leaf, key: leafKey(index, point.datastreamId) }))
        .filter(({ leaf }) => leaf.type === 'silent' && leaf.datastreamIds.includes(point.datastreamId));
      for (const { leaf, key } of gapLeaves) {
        const last = state.leaves[key]?.lastTime;
        if (last != null && leaf.type === 'silent' && point.time - last >= leaf.minutes * 60_000) {
          const silentAt = last + leaf.minutes * 60_000;
          state = { leaves: { ...state.leaves, [key]: { ...state.leaves[key]!, active: true } } };
          settle(subject, state, silentAt, point.value);
        }
      }
      state = evaluate(c, subject, state, { ...point });
      states.set(subject, state);
      settle(subject, state, point.time, point.value);
    }
  }
  return fired;
}
