// The SensorThings data model as the platform stores it: for each entity set its table, how each STA
// property maps onto columns, and how navigation properties relate two tables. The query layer, the
// writers and the serializer all read this one description, so a property cannot drift between them.
// Identifiers here are fixed strings of ours, never user input; they are the only text put into SQL raw.
import { sql, type RawBuilder } from 'kysely';

export type Sql = RawBuilder<unknown>;

export type EntitySetName =
  | 'Things'
  | 'Locations'
  | 'HistoricalLocations'
  | 'Sensors'
  | 'ObservedProperties'
  | 'Datastreams'
  | 'MultiDatastreams'
  | 'FeaturesOfInterest'
  | 'Observations';

export type TableName =
  | 'sensor_things'
  | 'sensor_locations'
  | 'sensor_historical_locations'
  | 'sensor_sensors'
  | 'sensor_observed_properties'
  | 'sensor_datastreams'
  | 'sensor_multi_datastreams'
  | 'sensor_features_of_interest'
  | 'sensor_observations';

/**
 * text: a text column; json: any JSON (objects, unitOfMeasurement); geometry: GeoJSON with bbox columns;
 * time: one timestamptz; interval: two timestamptz columns (start/end, both null when unknown);
 * timeOrInterval: an instant when end is null (phenomenonTime of an Observation); result: the
 * Observation's result split into a number and a JSON column; textArray: multiObservationDataTypes.
 */
export type PropertyKind =
  'text' | 'json' | 'object' | 'geometry' | 'time' | 'interval' | 'timeOrInterval' | 'result' | 'textArray';

export interface PropertyDef {
  name: string;
  kind: PropertyKind;
  /** Column (or start column for intervals). */
  column: string;
  endColumn?: string;
  required?: boolean;
  /** A required property that may be null (an Observation's result: a reading that yielded no value). */
  nullable?: boolean;
  /** Set by the server (time extents of a Datastream): ignored on create and update. */
  readOnly?: boolean;
  /** The column has bbox columns min_x..max_y to maintain. */
  bbox?: boolean;
}

export interface NavDef {
  name: string;
  target: EntitySetName;
  many: boolean;
  /** SQL condition relating a row `p` of this set to a row `c` of the target (aliases). */
  link: (p: string, c: string) => Sql;
  /** For to-one navigations: the foreign key column on this table. */
  fk?: string;
  required?: boolean;
  /**
   * A many-navigation kept in a link table with a position: read as a join in that order, duplicates
   * included (a MultiDatastream's ObservedProperties give the meaning of each result component).
   */
  ordered?: { table: string; parent: string; child: string; position: string };
}

export interface EntityDef {
  set: EntitySetName;
  type: string;
  table: TableName;
  properties: PropertyDef[];
  navs: NavDef[];
}

const r = (s: string) => sql.raw(s);
const eq =
  (a: string, b: string): ((p: string, c: string) => Sql) =>
  (p, c) =>
    r(`${c}.${a} = ${p}.${b}`);
const via =
  (table: string, pCol: string, cCol: string) =>
  (p: string, c: string): Sql =>
    r(`exists (select 1 from ${table} j where j.${pCol} = ${p}.id and j.${cCol} = ${c}.id)`);

const name: PropertyDef = { name: 'name', kind: 'text', column: 'name', required: true };
const description: PropertyDef = { name: 'description', kind: 'text', column: 'description', required: true };
const properties: PropertyDef = { name: 'properties', kind: 'object', column: 'properties' };
const encodingType: PropertyDef = {
  name: 'encodingType',
  kind: 'text',
  column: 'encoding_type',
  required: true,
};
const streamTimes: PropertyDef[] = [
  { name: 'observedArea', kind: 'geometry', column: 'observed_area', readOnly: true },
  {
    name: 'phenomenonTime',
    kind: 'interval',
    column: 'phenomenon_time_start',
    endColumn: 'phenomenon_time_end',
    readOnly: true,
  },
  {
    name: 'resultTime',
    kind: 'interval',
    column: 'result_time_start',
    endColumn: 'result_time_end',
    readOnly: true,
  },
];

export const MODEL: Record<EntitySetName, EntityDef> = {
  Things: {
    set: 'Things',
    type: 'Thing',
    table: 'sensor_things',
    properties: [name, description, properties],
    navs: [
      {
        name: 'Locations',
        target: 'Locations',
        many: true,
        link: via('sensor_thing_locations', 'thing_id', 'location_id'),
      },
      { name: 'HistoricalLocations', target: 'HistoricalLocations', many: true, link: eq('thing_id', 'id') },
      { name: 'Datastreams', target: 'Datastreams', many: true, link: eq('thing_id', 'id') },
      { name: 'MultiDatastreams', target: 'MultiDatastreams', many: true, link: eq('thing_id', 'id') },
    ],
  },
  Locations: {
    set: 'Locations',
    type: 'Location',
    table: 'sensor_locations',
    properties: [
      name,
      description,
      encodingType,
      { name: 'location', kind: 'geometry', column: 'location', required: true, bbox: true },
      properties,
    ],
    navs: [
      {
        name: 'Things',
        target: 'Things',
        many: true,
        link: via('sensor_thing_locations', 'location_id', 'thing_id'),
      },
      {
        name: 'HistoricalLocations',
        target: 'HistoricalLocations',
        many: true,
        link: via('sensor_historical_location_locations', 'location_id', 'historical_location_id'),
      },
    ],
  },
  HistoricalLocations: {
    set: 'HistoricalLocations',
    type: 'HistoricalLocation',
    table: 'sensor_historical_locations',
    properties: [{ name: 'time', kind: 'time', column: 'time', required: true }],
    navs: [
      {
        name: 'Thing',
        target: 'Things',
        many: false,
        link: eq('id', 'thing_id'),
        fk: 'thing_id',
        required: true,
      },
      {
        name: 'Locations',
        target: 'Locations',
        many: true,
        link: via('sensor_historical_location_locations', 'historical_location_id', 'location_id'),
      },
    ],
  },
  Sensors: {
    set: 'Sensors',
    type: 'Sensor',
    table: 'sensor_sensors',
    properties: [
      name,
      description,
      encodingType,
      { name: 'metadata', kind: 'text', column: 'metadata', required: true },
      properties,
    ],
    navs: [
      { name: 'Datastreams', target: 'Datastreams', many: true, link: eq('sensor_id', 'id') },
      { name: 'MultiDatastreams', target: 'MultiDatastreams', many: true, link: eq('sensor_id', 'id') },
    ],
  },
  ObservedProperties: {
    set: 'ObservedProperties',
    type: 'ObservedProperty',
    table: 'sensor_observed_properties',
    properties: [
      name,
      { name: 'definition', kind: 'text', column: 'definition', required: true },
      description,
      properties,
    ],
    navs: [
      { name: 'Datastreams', target: 'Datastreams', many: true, link: eq('observed_property_id', 'id') },
      {
        name: 'MultiDatastreams',
        target: 'MultiDatastreams',
        many: true,
        link: via(
          'sensor_multi_datastream_observed_properties',
          'observed_property_id',
          'multi_datastream_id',
        ),
      },
    ],
  },
  Datastreams: {
    set: 'Datastreams',
    type: 'Datastream',
    table: 'sensor_datastreams',
    properties: [
      name,
      description,
      { name: 'unitOfMeasurement', kind: 'object', column: 'unit_of_measurement', required: true },
      { name: 'observationType', kind: 'text', column: 'observation_type', required: true },
      ...streamTimes,
      properties,
    ],
    navs: [
      {
        name: 'Thing',
        target: 'Things',
        many: false,
        link: eq('id', 'thing_id'),
        fk: 'thing_id',
        required: true,
      },
      {
        name: 'Sensor',
        target: 'Sensors',
        many: false,
        link: eq('id', 'sensor_id'),
        fk: 'sensor_id',
        required: true,
      },
      {
        name: 'ObservedProperty',
        target: 'ObservedProperties',
        many: false,
        link: eq('id', 'observed_property_id'),
        fk: 'observed_property_id',
        required: true,
      },
      { name: 'Observations', target: 'Observations', many: true, link: eq('datastream_id', 'id') },
    ],
  },
  MultiDatastreams: {
    set: 'MultiDatastreams',
    type: 'MultiDatastream',
    table: 'sensor_multi_datastreams',
    properties: [
      name,
      description,
      { name: 'unitOfMeasurements', kind: 'json', column: 'unit_of_measurements', required: true },
      { name: 'observationType', kind: 'text', column: 'observation_type', required: true },
      {
        name: 'multiObservationDataTypes',
        kind: 'textArray',
        column: 'multi_observation_data_types',
        required: true,
      },
      ...streamTimes,
      properties,
    ],
    navs: [
      {
        name: 'Thing',
        target: 'Things',
        many: false,
        link: eq('id', 'thing_id'),
        fk: 'thing_id',
        required: true,
      },
      {
        name: 'Sensor',
        target: 'Sensors',
        many: false,
        link: eq('id', 'sensor_id'),
        fk: 'sensor_id',
        required: true,
      },
      {
        name: 'ObservedProperties',
        target: 'ObservedProperties',
        many: true,
        link: via(
          'sensor_multi_datastream_observed_properties',
          'multi_datastream_id',
          'observed_property_id',
        ),
        ordered: {
          table: 'sensor_multi_datastream_observed_properties',
          parent: 'multi_datastream_id',
          child: 'observed_property_id',
          position: 'position',
        },
        required: true,
      },
      { name: 'Observations', target: 'Observations', many: true, link: eq('multi_datastream_id', 'id') },
    ],
  },
  FeaturesOfInterest: {
    set: 'FeaturesOfInterest',
    type: 'FeatureOfInterest',
    table: 'sensor_features_of_interest',
    properties: [
      name,
      description,
      encodingType,
      { name: 'feature', kind: 'geometry', column: 'feature', required: true, bbox: true },
      properties,
    ],
    navs: [
      { name: 'Observations', target: 'Observations', many: true, link: eq('feature_of_interest_id', 'id') },
    ],
  },
  Observations: {
    set: 'Observations',
    type: 'Observation',
    table: 'sensor_observations',
    properties: [
      {
        name: 'phenomenonTime',
        kind: 'timeOrInterval',
        column: 'phenomenon_time_start',
        endColumn: 'phenomenon_time_end',
      },
      { name: 'resultTime', kind: 'time', column: 'result_time' },
      { name: 'result', kind: 'result', column: 'result', required: true, nullable: true },
      { name: 'resultQuality', kind: 'json', column: 'result_quality' },
      { name: 'validTime', kind: 'interval', column: 'valid_time_start', endColumn: 'valid_time_end' },
      { name: 'parameters', kind: 'object', column: 'parameters' },
    ],
    navs: [
      {
        name: 'Datastream',
        target: 'Datastreams',
        many: false,
        link: eq('id', 'datastream_id'),
        fk: 'datastream_id',
      },
      {
        name: 'MultiDatastream',
        target: 'MultiDatastreams',
        many: false,
        link: eq('id', 'multi_datastream_id'),
        fk: 'multi_datastream_id',
      },
      {
        name: 'FeatureOfInterest',
        target: 'FeaturesOfInterest',
        many: false,
        link: eq('id', 'feature_of_interest_id'),
        fk: 'feature_of_interest_id',
      },
    ],
  },
};

export const ENTITY_SETS = Object.keys(MODEL) as EntitySetName[];

/**
 * An encodingType that names GeoJSON (application/geo+json, application/vnd.geo+json, …geojson), as a
 * regular expression both for JavaScript (case-insensitive) and for PostgreSQL's `~*`.
 */
export const GEOJSON_ENCODING = 'geo\\+?json';

export function isEntitySet(name: string): name is EntitySetName {
  return Object.hasOwn(MODEL, name);
}

export function propertyOf(def: EntityDef, name: string): PropertyDef | undefined {
  return def.properties.find((p) => p.name === name);
}

export function navOf(def: EntityDef, name: string): NavDef | undefined {
  return def.navs.find((n) => n.name === name);
}

/** SQL of a property's value as JSON-ish scalar for filters: the column reference on alias `a`. */
export function col(a: string, column: string): Sql {
  return r(`${a}.${column}`);
}
