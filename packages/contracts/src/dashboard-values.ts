// The dashboard's fixed lists, apart from the TypeBox schemas in dashboard.ts: the web app needs these
// values at run time but only the types of the schemas, so it does not ship TypeBox to every visitor.

/** Fields of action (Handlungsfelder) under which the dashboard groups its use cases. */
export const FIELDS_OF_ACTION = [
  'weather',
  'water',
  'waste',
  'parking',
  'environment',
  'mobility',
  'energy',
] as const;
export type FieldOfAction = (typeof FIELDS_OF_ACTION)[number];

/**
 * How a tile shows its Datastreams: `value` current values, `line`/`bar` a chart over time, `fill` a list
 * of fill levels (containers), `spaces` free spaces per lot.
 */
export const CHART_TYPES = ['value', 'line', 'bar', 'fill', 'spaces'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export const TIME_RANGES = ['24h', '7d', '30d', '1y'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

/** Severity of a band; the web app shows it as colour AND as text and pattern, never by colour alone. */
export const BAND_LEVELS = ['normal', 'notice', 'warning', 'alarm'] as const;
export type BandLevel = (typeof BAND_LEVELS)[number];
