// The public dashboard's tiles: what staff configure (the draft), what the public API returns, and the
// live-update messages. Shared by the server (validation, OpenAPI) and the web app (types).
import Type, { type Static } from 'typebox';
import { BAND_LEVELS, CHART_TYPES, FIELDS_OF_ACTION, TIME_RANGES } from './dashboard-values.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const LocalisedText = Type.Object(
  { de: Type.String({ maxLength: 500 }), en: Type.String({ maxLength: 500 }) },
  { additionalProperties: false },
);
export type LocalisedText = Static<typeof LocalisedText>;

export const TileBand = Type.Object(
  {
    /** Lower bound (inclusive); null = open. */
    from: Nullable(Type.Number()),
    /** Upper bound (exclusive); null = open. */
    to: Nullable(Type.Number()),
    level: Type.Enum([...BAND_LEVELS]),
    color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }),
    label: LocalisedText,
  },
  { additionalProperties: false },
);
export type TileBand = Static<typeof TileBand>;

export const TileConfig = Type.Object(
  {
    fieldOfAction: Type.Enum([...FIELDS_OF_ACTION]),
    chartType: Type.Enum([...CHART_TYPES]),
    datastreamIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 24 }),
    title: LocalisedText,
    description: LocalisedText,
    bands: Type.Array(TileBand, { maxItems: 8 }),
    defaultRange: Type.Enum([...TIME_RANGES]),
  },
  { additionalProperties: false },
);
export type TileConfig = Static<typeof TileConfig>;

export const PublicTileDatastream = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  unit: Nullable(Type.String()),
  /** Only when the sensor's location is published. */
  location: Nullable(Type.Object({ latitude: Type.Number(), longitude: Type.Number() })),
});
export type PublicTileDatastream = Static<typeof PublicTileDatastream>;

export const PublicTile = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  municipalityName: Type.String(),
  fieldOfAction: Type.Enum([...FIELDS_OF_ACTION]),
  chartType: Type.Enum([...CHART_TYPES]),
  title: LocalisedText,
  description: LocalisedText,
  bands: Type.Array(TileBand),
  defaultRange: Type.Enum([...TIME_RANGES]),
  datastreams: Type.Array(PublicTileDatastream),
  publishedAt: Nullable(Type.String()),
});
export type PublicTile = Static<typeof PublicTile>;

export const PublicDashboard = Type.Object({
  scope: Type.Object({
    kind: Type.Enum(['region', 'municipality']),
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    regionSlug: Type.String(),
    regionName: Type.String(),
  }),
  municipalities: Type.Array(Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String() })),
  map: Type.Object({ tileUrl: Nullable(Type.String()), attribution: Type.String() }),
  tiles: Type.Array(PublicTile),
});
export type PublicDashboard = Static<typeof PublicDashboard>;

/** One staff-side tile: the draft, the published version and bookkeeping. */
export const StaffTile = Type.Object({
  id: Type.String(),
  municipalityId: Type.String(),
  onRegion: Type.Boolean(),
  position: Type.Integer(),
  draft: TileConfig,
  published: Nullable(TileConfig),
  publishedAt: Nullable(Type.String()),
  /** The draft differs from what the public sees. */
  changed: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.String(),
});
export type StaffTile = Static<typeof StaffTile>;

export const TileHistoryEntry = Type.Object({
  version: Type.Integer(),
  action: Type.Enum(['created', 'saved', 'published', 'withdrawn']),
  config: TileConfig,
  actor: Nullable(Type.String()),
  at: Type.String(),
});
export type TileHistoryEntry = Static<typeof TileHistoryEntry>;

/** A published Datastream staff may put on a tile. */
export const TileDatastreamOption = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  unit: Nullable(Type.String()),
  thingName: Type.String(),
});
export type TileDatastreamOption = Static<typeof TileDatastreamOption>;

/** What the live stream sends for every new value of a published Datastream. */
export interface LiveObservation {
  id: number;
  time: string;
  value: unknown;
}
