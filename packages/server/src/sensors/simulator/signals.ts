// The simulated world of the demo region, as pure functions of a seed, a sensor key and the time: the
// same inputs always give the same values, so tests can assert them and every instance simulates alike.
// Times are taken in Central European (winter) time, UTC+1, which is close enough for a demo.

const SLOT_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A deterministic number in [0, 1) from the parts (FNV-1a, then a 32-bit finaliser). */
export function hash01(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u241f')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Smooth noise in [-1, 1]: hourly random points, cosine-interpolated. */
function smoothNoise(seed: string, key: string, t: number, periodMs = HOUR_MS): number {
  const i = Math.floor(t / periodMs);
  const f = (t - i * periodMs) / periodMs;
  const a = hash01(seed, key, i) * 2 - 1;
  const b = hash01(seed, key, i + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a * (1 - w) + b * w;
}

const localHour = (t: number) => ((((t + HOUR_MS) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
const dayOfYear = (t: number) => {
  const d = new Date(t);
  return (t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
};
/** 1 in high summer, -1 in deep winter. */
const season = (t: number) => Math.sin((2 * Math.PI * (dayOfYear(t) - 110)) / 365);

/** Rain of the region in mm per hour during hour `hourIndex` (hours since the epoch): showers come in spells. */
export function hourlyRainMm(seed: string, hourIndex: number): number {
  // Wet spells last about a day: a spell is on when its day's die says so.
  const day = Math.floor(hourIndex / 24);
  const wetDay = hash01(seed, 'wet-day', day) < 0.32;
  if (!wetDay) return 0;
  const shower = hash01(seed, 'shower', hourIndex);
  if (shower > 0.35) return 0;
  return Math.round((0.2 + 4 * hash01(seed, 'intensity', hourIndex) ** 2) * 10) / 10;
}

/** Rain at a station within the 15 minutes ending at `t`, in mm (stations see the region's rain ±20 %). */
export function rainMm(seed: string, key: string, t: number): number {
  const hour = Math.floor((t - 1) / HOUR_MS);
  const local = 0.8 + 0.4 * hash01(seed, key, 'rain-factor');
  return Math.round(((hourlyRainMm(seed, hour) * local) / 4) * 10) / 10;
}

export function temperatureC(seed: string, key: string, t: number): number {
  const mean = 9 + 9 * season(t) + 1.5 * (hash01(seed, key, 'offset') - 0.5);
  const amplitude = 4 + 2 * season(t);
  const daily = amplitude * Math.sin((2 * Math.PI * (localHour(t) - 9)) / 24);
  const weather = 3 * smoothNoise(seed, 'temperature-days', t, DAY_MS);
  const raining = hourlyRainMm(seed, Math.floor(t / HOUR_MS)) > 0 ? -1.5 : 0;
  return Math.round((mean + daily + weather + raining + 0.4 * smoothNoise(seed, key, t)) * 100) / 100;
}

export function humidityPct(seed: string, key: string, t: number): number {
  const raining = hourlyRainMm(seed, Math.floor(t / HOUR_MS)) > 0;
  const value =
    75 -
    12 * Math.sin((2 * Math.PI * (localHour(t) - 9)) / 24) -
    8 * season(t) +
    (raining ? 15 : 0) +
    6 * smoothNoise(seed, `${key}-rh`, t);
  return Math.round(Math.max(25, Math.min(100, value)) * 2) / 2;
}

export function windMs(seed: string, key: string, t: number): number {
  const base =
    2.2 +
    1.5 * smoothNoise(seed, 'wind-days', t, DAY_MS) +
    0.8 * Math.sin((2 * Math.PI * (localHour(t) - 8)) / 24);
  const gusts = hourlyRainMm(seed, Math.floor(t / HOUR_MS)) > 0 ? 2.5 : 0;
  return Math.round(Math.max(0, base + gusts + smoothNoise(seed, `${key}-wind`, t)) * 100) / 100;
}

/**
 * River level in cm above gauge zero: a base flow (higher in winter) plus the response to the region's rain
 * of the last three days, rising a few hours after a shower and falling slowly.
 */
export function riverLevelCm(seed: string, key: string, t: number, baseCm: number): number {
  const nowHour = Math.floor(t / HOUR_MS);
  let response = 0;
  for (let lag = 1; lag <= 72; lag++) {
    const rain = hourlyRainMm(seed, nowHour - lag);
    if (rain === 0) continue;
    // Rises over 6 hours, then drains with a time constant of a day.
    const weight = lag < 6 ? lag / 6 : Math.exp(-(lag - 6) / 24);
    response += rain * weight;
  }
  const catchment = 1 + hash01(seed, key, 'catchment');
  const level = baseCm * (1 - 0.25 * season(t)) + 6 * catchment * response + 0.8 * smoothNoise(seed, key, t);
  return Math.round(level * 10) / 10;
}

/** Container fill in %: filled in the daytime, emptied by the building yard every 7 to 14 days at 7 am. */
export function containerFillPct(seed: string, key: string, t: number): number {
  const periodDays = 7 + Math.floor(hash01(seed, key, 'period') * 8);
  const phase = Math.floor(hash01(seed, key, 'phase') * periodDays);
  const emptyingHour = 6 * HOUR_MS; // 07:00 local
  const day = Math.floor((t - emptyingHour) / DAY_MS);
  const daysSince = (((day - phase) % periodDays) + periodDays) % periodDays;
  const sinceEmptied = daysSince * DAY_MS + (t - emptyingHour - day * DAY_MS);
  const progress = sinceEmptied / (periodDays * DAY_MS);
  const fullness = 0.85 + 0.2 * hash01(seed, key, 'fullness', day - daysSince);
  const fill = 100 * progress * fullness + 1.5 * smoothNoise(seed, key, t);
  return Math.round(Math.max(0, Math.min(100, fill)) * 10) / 10;
}

/** Occupied spaces of a parking lot: commuters on weekdays, shoppers on Saturdays, quiet nights. */
export function parkingOccupied(seed: string, key: string, t: number, capacity: number): number {
  const hour = localHour(t);
  const weekday = new Date(t + HOUR_MS).getUTCDay();
  const peak = (h: number, width: number) => Math.exp(-(((hour - h) / width) ** 2));
  let share: number;
  if (weekday === 0) share = 0.08 + 0.2 * peak(11, 2.5);
  else if (weekday === 6) share = 0.1 + 0.6 * peak(11, 3);
  else share = 0.08 + 0.75 * Math.min(1, peak(10, 3.5) + 0.9 * peak(15, 3));
  share += 0.06 * smoothNoise(seed, key, t);
  return Math.max(0, Math.min(capacity, Math.round(capacity * share)));
}

/** Battery voltage: a lithium cell draining slowly over the years, with a little temperature wobble. */
export function batteryMv(seed: string, key: string, t: number): number {
  const start = 3600 - Math.floor(hash01(seed, key, 'battery') * 150);
  const years = (t - Date.UTC(2025, 0, 1)) / (365 * DAY_MS);
  return Math.round(start - 60 * Math.max(0, years) + 15 * season(t));
}

export const SIMULATION_SLOT_MS = SLOT_MS;

/** The start of the 15-minute slot `t` lies in. */
export const slotStart = (t: number, slotMs = SLOT_MS) => Math.floor(t / slotMs) * slotMs;
