// Data of the public dashboard: latest values (one request) kept current by the live stream (SSE),
// aggregates for charts, public warnings; and small helpers for bands, numbers and times.
import type { LiveObservation, TileBand, TimeRange } from '@srp/contracts';
import { startTransition, useEffect, useState } from 'react';
import { api, ApiError } from '../../api.js';
import type { WarningAreaShape } from '../warnings/WarningArea.js';

export interface LatestValue {
  id: number;
  time: string | null;
  value: unknown;
  unit: string | null;
}

export type LiveState = 'connecting' | 'open' | 'offline';

/**
 * The answer of the latest-values request, except where a value pushed by the live stream is newer: the
 * stream opens at the same time as the request, and a value pushed while the request was under way must
 * not be overwritten by the older answer.
 */
export function withNewerLive(
  requested: readonly number[],
  answer: readonly LatestValue[],
  previous: ReadonlyMap<number, LatestValue>,
): Map<number, LatestValue> {
  const next = new Map(answer.map((d) => [d.id, d]));
  for (const id of requested) {
    const pushed = previous.get(id);
    const fetched = next.get(id);
    if (pushed?.time && (!fetched?.time || pushed.time > fetched.time))
      next.set(id, { ...pushed, unit: fetched?.unit ?? pushed.unit });
  }
  return next;
}

/** Latest values of the given Datastreams, updated live without reloading. */
export function useLatestValues(ids: readonly number[]): {
  values: Map<number, LatestValue>;
  live: LiveState;
} {
  const [values, setValues] = useState(new Map<number, LatestValue>());
  const [live, setLive] = useState<LiveState>('connecting');
  const key = [...ids].sort((a, b) => a - b).join(',');

  useEffect(() => {
    if (key === '') return;
    let active = true;
    api.get<{ datastreams: LatestValue[] }>(`/api/sensors/latest?datastream=${key}`).then(
      // A transition: React renders the tiles in slices and keeps the page responsive (no long task).
      (answer) =>
        active &&
        startTransition(() =>
          setValues((previous) => withNewerLive(key.split(',').map(Number), answer.datastreams, previous)),
        ),
      () => undefined,
    );
    if (typeof EventSource === 'undefined') {
      setLive('offline');
      return;
    }
    const source = new EventSource(`/api/dashboard/stream?datastream=${key}`);
    source.onopen = () => setLive('open');
    source.onerror = () => setLive(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    source.addEventListener('observations', (event) => {
      const incoming = JSON.parse((event as MessageEvent<string>).data) as LiveObservation[];
      startTransition(() =>
        setValues((previous) => {
          const next = new Map(previous);
          for (const o of incoming) {
            const known = next.get(o.id);
            if (known?.time && known.time > o.time) continue;
            next.set(o.id, { id: o.id, time: o.time, value: o.value, unit: known?.unit ?? null });
          }
          return next;
        }),
      );
    });
    return () => {
      active = false;
      source.close();
    };
  }, [key]);

  return { values, live };
}

export interface Bucket {
  start: string;
  avg: number;
  min: number;
  max: number;
}

const HOUR = 3_600_000;
const RANGES: Record<TimeRange, { interval: '5min' | 'hour' | 'day' | 'month'; ms: number }> = {
  '24h': { interval: 'hour', ms: 24 * HOUR },
  '7d': { interval: 'hour', ms: 7 * 24 * HOUR },
  '30d': { interval: 'day', ms: 30 * 24 * HOUR },
  '1y': { interval: 'day', ms: 366 * 24 * HOUR },
};

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'error' };

/** Rollup buckets of one Datastream over a time range, from the aggregate API. */
export function useAggregates(id: number, range: TimeRange): Loadable<Bucket[]> {
  const [state, setState] = useState<Loadable<Bucket[]>>({ status: 'loading' });
  useEffect(() => {
    let active = true;
    setState({ status: 'loading' });
    const { interval, ms } = RANGES[range];
    const from = new Date(Math.floor((Date.now() - ms) / HOUR) * HOUR).toISOString();
    api
      .get<{ buckets: Bucket[] }>(
        `/api/sensors/datastreams/${id}/aggregates?interval=${interval}&from=${encodeURIComponent(from)}&limit=1000`,
      )
      .then(
        (answer) => active && startTransition(() => setState({ status: 'ready', data: answer.buckets })),
        () => active && setState({ status: 'error' }),
      );
    return () => {
      active = false;
    };
  }, [id, range]);
  return state;
}

export interface PublicWarning {
  id: string;
  municipalityId: string;
  municipalityName: string;
  level: 'minor' | 'moderate' | 'severe' | 'extreme';
  title: string;
  text: string;
  areaDescription: string | null;
  /** GeoJSON Polygon/MultiPolygon (rules/warning-area.ts on the server). */
  area?: WarningAreaShape | null;
  validFrom: string;
  validUntil: string | null;
}

/** Active public warnings (owned by the rules domain); a 404 means the feature is not there yet. */
export function useWarnings(municipalityId: string | null): PublicWarning[] {
  const [warnings, setWarnings] = useState<PublicWarning[]>([]);
  useEffect(() => {
    let active = true;
    const query = municipalityId ? `?municipality=${municipalityId}` : '';
    api.get<{ warnings: PublicWarning[] }>(`/api/public/warnings${query}`).then(
      (answer) => active && setWarnings(answer.warnings),
      (error: unknown) => {
        if (active && error instanceof ApiError) setWarnings([]);
      },
    );
    return () => {
      active = false;
    };
  }, [municipalityId]);
  return warnings;
}

export function numericValue(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The band a value falls in: from inclusive, to exclusive, open ends as null. */
export function bandFor(value: number | null, bands: readonly TileBand[]): TileBand | null {
  if (value === null) return null;
  return bands.find((b) => (b.from === null || value >= b.from) && (b.to === null || value < b.to)) ?? null;
}

// Numbers without Intl (see numbers.ts).
export { formatNumber } from '../../numbers.js';

// Creating an Intl formatter costs far more than using one, and a dashboard formats thousands of times
// while it loads (values, chart ticks, tables): one formatter per language and style.
const formatters = new Map<string, Intl.DateTimeFormat>();

function cachedFormatter(key: string, create: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let formatter = formatters.get(key);
  if (!formatter) formatters.set(key, (formatter = create()));
  return formatter;
}

export function formatTime(iso: string, language: string): string {
  return formatDate(iso, language, { dateStyle: 'short', timeStyle: 'short' });
}

/** A date or time in one of a few fixed styles (the style object is part of the formatter's key). */
export function formatDate(iso: string, language: string, style: Intl.DateTimeFormatOptions): string {
  return cachedFormatter(
    `d:${language}:${JSON.stringify(style)}`,
    () => new Intl.DateTimeFormat(language, style),
  ).format(new Date(iso));
}

/** Compares the newest bucket with the one a few steps earlier; small changes count as steady. */
export function trendOf(buckets: readonly Bucket[]): 'up' | 'down' | 'steady' | null {
  if (buckets.length < 2) return null;
  const last = buckets[buckets.length - 1]!.avg;
  const earlier = buckets[Math.max(0, buckets.length - 4)]!.avg;
  const change = last - earlier;
  const scale = Math.max(1, Math.abs(earlier));
  if (Math.abs(change) / scale < 0.02) return 'steady';
  return change > 0 ? 'up' : 'down';
}
